"""Production settings: the deployment checks pass, and a missing secret stops start-up.

Each check runs in a subprocess, so the production settings never leak into the test process.
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "coprod.settings.production",
    "ALLOWED_HOSTS": "coprod.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/coprod",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp://localhost:25",
    "SMS_BACKEND": "govuk_notify",
    "SMS_API_KEY": "test-only",
    "SMS_TEMPLATE_ID": "test-only",
    "FIELD_ENCRYPTION_SALT": "test-only-salt",
}


def random_secret_key(length=60):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def clean_environment(**extra):
    """The parent's environment without anything that would configure Django, plus what the test gives."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH")}
    return {**keep, **extra}


def run(args, env):
    return subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def no_dotenv():
    # base.py reads a .env file if there is one; it must not supply what the test means to leave out.
    if (BASE_DIR / ".env").exists():
        pytest.skip("a .env file is present; these checks need the environment alone")


def test_production_settings_pass_the_deployment_checks():
    env = clean_environment(**PRODUCTION_ENV, SECRET_KEY=random_secret_key())

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert "?: (security." not in output


def test_deployment_checks_do_fail_on_a_weak_key():
    # The check above would be worthless if the command did not fail on warnings at all.
    env = clean_environment(**PRODUCTION_ENV, SECRET_KEY="short")

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"])
def test_production_settings_refuse_to_start_without_a_required_setting(no_dotenv, missing):
    env = clean_environment(**PRODUCTION_ENV, SECRET_KEY=random_secret_key())
    del env[missing]

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_settings_import_without_secret_key_fails(no_dotenv):
    env = clean_environment(**PRODUCTION_ENV)

    result = run(["-c", "import coprod.settings.production"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable" in result.stderr
