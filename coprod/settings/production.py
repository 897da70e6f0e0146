"""Production: every secret comes from the environment and has no default, so a missing one stops start-up."""

from .base import *  # noqa: F403
from .base import REDIS_BROKER_TRANSPORT_OPTIONS, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT")  # required: bank details and safeguarding records are encrypted with it
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Web requests only: gunicorn.conf.py sets WEB_STATEMENT_TIMEOUT_MS, so no query of a page runs on after gunicorn
# has given up on the request (its timeout is 30 s). Celery workers, beat and management commands (migrate) do
# not read gunicorn.conf.py and keep no limit.
WEB_STATEMENT_TIMEOUT_MS = env.int("WEB_STATEMENT_TIMEOUT_MS", default=0)
if WEB_STATEMENT_TIMEOUT_MS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c statement_timeout={WEB_STATEMENT_TIMEOUT_MS}"
CELERY_BROKER_URL = env("REDIS_URL")
# No result backend (base.py): a task's result is never read, and .delay() must not wait on Redis for one.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
# One cache shared by every gunicorn worker, so allauth's rate limits count across them. It holds nothing that
# cannot be lost (sign-in sessions are in the database, SESSION_ENGINE in base.py), so when Redis fails the
# cache answers from the process's own memory for a few seconds instead of failing or blocking the request
# (core/cache.py says why django-redis's IGNORE_EXCEPTIONS alone refuses every sign-in). A Redis that hangs
# costs one call at most half a second.
CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisWithFallbackCache",
        "LOCATION": env("CACHE_URL", default=env("REDIS_URL")),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)
# Texts carry sign-in links and reminders: the backend is chosen explicitly (no console default), and
# core.checks refuses console or in-memory email and texts under `check --deploy`.
SMS_BACKEND = env("SMS_BACKEND")
