"""Tests: PostgreSQL through DATABASE_URL (CI), fast password hashing, email kept in memory."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "locmem"
MESSAGE_DELIVERY = "inline"
# Many tests sign staff in and then jump hours or days ahead with time-machine between their requests; for them
# that is not "idle". The idle timeout's own tests (tests/groups/test_mfa_required.py) set the real 30 minutes.
STAFF_IDLE_TIMEOUT_MINUTES = 60 * 24 * 365
# Tests talk to the real Redis, on their own database numbers so they never share queues with a running worker.
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/14")
# The app never reads a task's result (base.py stores none); tests do, to wait for a real worker's answer, so
# here results are kept, in their own database.
CELERY_RESULT_BACKEND = env("TEST_CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/15")
CELERY_TASK_IGNORE_RESULT = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
ALLOWED_HOSTS = ["*"]

# Each test run gets its own database, so two runs on one machine (a developer and CI, or parallel helpers)
# never drop each other's tables. pytest-django creates and drops it.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME'].rsplit('/', 1)[-1]}_{os.getpid()}"}  # noqa: F405

# Static files are served from the finders in development and tests (no collectstatic), so whitenoise needs no
# STATIC_ROOT here.
STATIC_ROOT = None

# Uploaded files (receipts, preparation papers) go to a folder of this run's own, never to var/media.
MEDIA_ROOT = os.path.join(tempfile.gettempdir(), f"coprod-test-media-{os.getpid()}")
