"""The Celery app. Settings come from Django settings under the CELERY_ namespace.

Two queues, so a scheduled check never waits behind thousands of deliveries (one worker each in
docker-compose.yml; a laptop's single worker takes both with `-Q messages,jobs`):

- "messages": delivering messages and making them in bulk (a fan-out);
- "jobs": everything else, the default: the scheduled checks, the dispatcher, housekeeping.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coprod.settings.local")

MESSAGES_QUEUE = "messages"
JOBS_QUEUE = "jobs"
MESSAGE_TASKS = (
    "notifications.tasks.deliver_message",
    "notifications.tasks.deliver_messages",
    "notifications.tasks.run_fanout",
    "sessions_app.tasks.deliver_message",  # deliveries queued under the old name
)

app = Celery("coprod")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = JOBS_QUEUE
app.conf.task_routes = {name: {"queue": MESSAGES_QUEUE} for name in MESSAGE_TASKS}
app.autodiscover_tasks()
