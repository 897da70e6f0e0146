"""Settings for the bench/ scripts: production's settings, served over plain HTTP on loopback, with a one-query
floor view (bench/urls.py) and a response header counting each request's queries (bench/middleware.py).

Used only by the scripts in bench/ (DJANGO_SETTINGS_MODULE=bench.settings); the real site never loads it. The
values production demands from the environment get loopback defaults here, so anyone can run the scripts:
REDIS_URL defaults to Redis database 11 on 127.0.0.1:6379 (the tests use 14 and 15).
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("FIELD_ENCRYPTION_SALT", "bench-only-salt")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:2525")
os.environ.setdefault("SMS_BACKEND", "locmem")
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coprod")

from coprod.settings.production import *  # noqa: E402, F403
from coprod.settings.production import CACHES, MIDDLEWARE  # noqa: E402

# Each run its own keys in the shared Redis, so one run's sign-ins never count against the next run's rate limits
# (the scripts set BENCH_CACHE_PREFIX per run; nothing is flushed).
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "bench")

# Plain HTTP on loopback: cookies must travel without TLS, and nothing may redirect to https.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"

# Static files from the finders, so the scripts need no collectstatic (templates still render the same tags).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

ROOT_URLCONF = "bench.urls"
# Outermost, so the count includes the session, the person and everything middleware asks for.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
