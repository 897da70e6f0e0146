"""Development on a laptop: embedded SQLite, console email and texts, filesystem Celery transport."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

STATIC_ROOT = None  # served from the finders by runserver; production collects to staticfiles/
