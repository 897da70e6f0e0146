"""Development on a laptop: embedded SQLite, console email and texts, filesystem Celery transport."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

STATIC_ROOT = None  # served from the finders by runserver; production collects to staticfiles/

# Emails and texts print to the console. The Celery worker sends most of them (invitations, reminders), and it
# would otherwise turn what it prints into log lines in var/celery/worker.log; with this off they print in the
# terminal that runs scripts/run.sh, beside the web server's, as the README says. The worker's own log stays in
# the file.
CELERY_WORKER_REDIRECT_STDOUTS = False
