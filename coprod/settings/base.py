"""Settings shared by every environment. Values that differ come from the environment (django-environ)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
# Old signing keys, still accepted while rotating SECRET_KEY (and still able to read what was encrypted with them).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Encryption at rest (bank details, safeguarding records): django-fernet-encrypted-fields derives its keys from
# SECRET_KEY (with SECRET_KEY_FALLBACKS) and each salt here. Rotation: put the new salt first, keep the old ones
# after it until `manage.py reencrypt_fields` has run (docs/SECURITY.md).
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT", default=["dev-only-encryption-salt"])
# Bank details and safeguarding records need a two-step code given this recently (groups.permissions).
STEP_UP_SECONDS = env.int("STEP_UP_SECONDS", default=15 * 60)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails and texts: by default the address scripts/run.sh serves on this machine, which follows PORT.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "notifications",
    "groups",
    "sessions_app",
    "payments",
    "safeguarding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses, before any session or database work, a request that waited too long in front of the app.
    "core.deadline.RequestDeadlineMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.RequestContextMiddleware",
    # Two-step sign-in required for staff who see safeguarding records or bank details; idle staff signed out.
    "groups.middleware.StaffSecurityMiddleware",
    # A form sent twice (a double click, a retried POST) is saved once; the second lands where the first did.
    "core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "coprod.urls"
WSGI_APPLICATION = "coprod.wsgi.application"
ASGI_APPLICATION = "coprod.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "groups.context_processors.navigation",
            ],
        },
    },
]

# The embedded default is a SQLite file under var/, so a laptop needs no database server.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'coprod.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "groups.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id first (Django's recommended hasher), with parameters measured on a two-core server (core/hashers.py).
# Passwords stored with the others still verify and are re-hashed with Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "core.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in sessions live in the database, never in the cache: Redis being down signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Time zone: people see Europe/London; the database stores UTC.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap is installed from the npm registry (package.json), never loaded from a CDN.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

# Email: console in development; SMTP (EMAIL_URL) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="coprod <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Text messages: a backend chosen here (used by the notification service).
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_API_KEY = env("SMS_API_KEY", default="")
SMS_TEMPLATE_ID = env("SMS_TEMPLATE_ID", default="")
# "queue": messages go to Celery after the transaction commits. "inline": delivered in the same process after
# commit (tests that are not about Celery use this, so they need no worker).
MESSAGE_DELIVERY = env("MESSAGE_DELIVERY", default="queue")

# django-allauth: email is the sign-in name; parents may sign in with a code sent by email instead of a password.
ACCOUNT_ADAPTER = "groups.adapters.AccountAdapter"
# The sign-in forms in coprod's words: field-specific messages, and code fields a phone can fill in.
ACCOUNT_FORMS = {
    "login": "groups.allauth_forms.LoginForm",
    "request_login_code": "groups.allauth_forms.RequestLoginCodeForm",
    "confirm_login_code": "groups.allauth_forms.ConfirmLoginCodeForm",
    "reset_password": "groups.allauth_forms.ResetPasswordForm",
    "reset_password_from_key": "groups.allauth_forms.ResetPasswordKeyForm",
    "change_password": "groups.allauth_forms.ChangePasswordForm",
    "set_password": "groups.allauth_forms.SetPasswordForm",
    "reauthenticate": "groups.allauth_forms.ReauthenticateForm",
    "confirm_reauthentication_code": "groups.allauth_forms.ConfirmReauthenticationCodeForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
# A 6-digit code: a phone's number keyboard can type it and offer it from the email (allauth's default is 8
# letters). Three wrong tries end the code (ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS), so guessing stays hopeless.
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# Rate limits count in the cache (Redis in production; while Redis is down, in each web process's memory rather
# than fail, see core/cache.py). allauth's defaults stay except where a room signs in together: on a venue's
# shared Wi-Fi (one public address for the whole room), or behind a proxy we do not trust, everyone shares one
# address, and allauth's 30 sign-ins a minute per address refused 20 of 50 people. So, per address: 120 sign-in
# attempts a minute (50 people, a retry or two each), 30 failed ones (a room's typos, still a brake on one
# machine trying many accounts) and 60 requests for a sign-in code (parents who sign in by email). What protects
# a password is the per-account limit, unchanged: 5 failed attempts in 5 minutes for one account, wherever they
# come from (allauth's "key" is the email address). allauth fills in every limit not named here with its default.
ACCOUNT_RATE_LIMITS = {
    "login": "120/m/ip",
    "login_failed": "30/m/ip,5/5m/key",
    "request_login_code": "60/m/ip,3/m/key",
}
# How many proxies of ours stand in front of the app, each appending the address it saw to X-Forwarded-For
# (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`). 0 (the default, right for a laptop
# or for gunicorn facing the internet) trusts no header and uses the connecting address. The audit trail
# (core.middleware.client_ip) and allauth's rate limits read the address by the same rule.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# A request that waited longer than this in front of the app (X-Request-Start from nginx, core/deadline.py) is
# refused with a 503 before any work: the person has almost certainly given up. 0 turns the check off.
REQUEST_QUEUE_TIMEOUT_SECONDS = env.int("REQUEST_QUEUE_TIMEOUT_SECONDS", default=20)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "coprod: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "coprod"
MFA_ADAPTER = "groups.adapters.MfaAdapter"
MFA_FORMS = {
    "authenticate": "groups.allauth_forms.MfaAuthenticateForm",
    "reauthenticate": "groups.allauth_forms.MfaReauthenticateForm",
    "activate_totp": "groups.allauth_forms.MfaActivateTotpForm",
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: Redis in production and CI; with no REDIS_URL, kombu's filesystem transport under var/,
# so a laptop runs a real worker and beat with no broker server.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# Every task is fire-and-forget: nothing in the app reads a task's result, so none is stored. A result backend
# would also make every .delay() talk to Redis a second time (to listen for the result) and block on it when
# Redis is down. (The test settings keep one, because tests wait for a real worker's answer.)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
REDIS_BROKER_TRANSPORT_OPTIONS = {
    # A task not acknowledged within an hour (its worker died) is given to another worker.
    "visibility_timeout": 3600,
    # Redis that is down refuses the connection at once; Redis that hangs (a full disk, a network fault) is given
    # 1 s to connect and 1 s to answer, so a request that queues a message waits at most about a second before
    # the dispatcher is left to send it. A worker's BRPOP also waits 1 s, but the worker reads its answer without
    # blocking on the socket (tried: idle prefork and solo workers stayed connected).
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
}
_QUEUE_DIR = VAR_DIR / "celery" / "queue"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_QUEUE_DIR),
        "data_folder_out": str(_QUEUE_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else REDIS_BROKER_TRANSPORT_OPTIONS
)
if CELERY_BROKER_URL.startswith("filesystem"):
    # Every process that sends or receives tasks needs these folders, from the very first command.
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
# Sending a task tries the broker once: no retries (celery's default is 3, and without a policy kombu keeps
# reconnecting for broker_connection_timeout), so .delay() with Redis down raises within a moment and the
# message waits, pending, for the dispatcher (measured in tests/reliability/test_redis_down_signin.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# The one place periodic jobs are declared; each calls a service that a management command can also run.
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sign-in-sessions": {"task": "groups.tasks.clear_expired_sign_in_sessions", "schedule": 60 * 60},
    "clear-form-submissions": {"task": "core.tasks.clear_form_submissions", "schedule": 60 * 60},
    "dispatch-due-messages": {"task": "notifications.tasks.dispatch_due_messages", "schedule": 60},
    "send-reminders": {"task": "sessions_app.tasks.send_reminders", "schedule": 5 * 60},
    "check-quorums": {"task": "sessions_app.tasks.check_quorums", "schedule": 10 * 60},
    "record-quorums": {"task": "sessions_app.tasks.record_quorums", "schedule": 15 * 60},
    "send-support-digests": {"task": "sessions_app.tasks.send_support_digests", "schedule": crontab(minute="*/15")},
    "watch-facilitators": {"task": "sessions_app.tasks.watch_facilitators", "schedule": crontab(hour=7, minute=0)},
    "make-missing-claims": {"task": "payments.tasks.claims_sweep", "schedule": 15 * 60},
    "safeguarding-alerts-sweep": {"task": "safeguarding.tasks.alerts_sweep", "schedule": 60},
    "escalate-overdue-follow-ups": {
        "task": "safeguarding.escalation_tasks.escalate_overdue_follow_ups",
        "schedule": 60 * 60,
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp, on Django 5.2 and 6.x alike, so one policy and one mechanism): scripts and
# styles only from our own static files, never inline (tests/test_csp.py scans templates/ for inline script,
# event handlers and style attributes). data: images are Bootstrap's icons and the two-step sign-in QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# A new session may be planned from today up to this many days ahead (sessions_app.services.scheduling
# session_date_window); only recorded history goes into the past.
SESSION_MAX_DAYS_AHEAD = env.int("SESSION_MAX_DAYS_AHEAD", default=730)
# Staff (anyone with a staff role, and operators) are signed out after this many minutes without a request;
# parents and carers keep the normal session (groups.middleware).
STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # tokens in paths (one-tap links, calendar feeds, invitations) never reach a log line
    "filters": {"redact_tokens": {"()": "coprod.log_redaction.RedactTokensFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
