"""Deployment refuses unsafe message settings (issue 9, item 8).

docker-compose.yml will not start production without real email and text settings, production settings need
SMS_BACKEND chosen explicitly, and `check --deploy` fails on console, in-memory or dummy backends when DEBUG is off.
The subprocess helpers come from tests/test_settings.py, so production settings never leak into this process.
"""

import shutil
import subprocess

import pytest
from django.core import checks

from core.checks import check_message_backends
from tests.test_settings import BASE_DIR, PRODUCTION_ENV, clean_environment, no_dotenv, random_secret_key, run

__all__ = ["no_dotenv"]  # a fixture, used by name below

COMPOSE_MESSAGE_SETTINGS = {
    "EMAIL_URL": "smtp://mail.example.org:25",
    "SMS_BACKEND": "govuk_notify",
    "SMS_API_KEY": "compose-test-key",
    "SMS_TEMPLATE_ID": "compose-test-template",
}

needs_compose = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")


def compose_config(tmp_path, **env):
    """`docker-compose config` with only the given variables (an empty env file, so no .env on this machine
    can supply what the test leaves out)."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    return subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("docker-compose"),
            "--env-file",
            str(env_file),
            "-f",
            str(BASE_DIR / "docker-compose.yml"),
            "config",
        ],
        cwd=tmp_path,
        env=clean_environment(
            SECRET_KEY="compose-test", POSTGRES_PASSWORD="compose-test", FIELD_ENCRYPTION_SALT="compose-test", **env
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_compose
def test_compose_starts_with_real_email_and_text_settings_and_passes_the_template_through(tmp_path):
    result = compose_config(tmp_path, **COMPOSE_MESSAGE_SETTINGS)

    assert result.returncode == 0, result.stderr
    assert "compose-test-template" in result.stdout  # SMS_TEMPLATE_ID reaches web, worker and beat
    assert result.stdout.count("SMS_TEMPLATE_ID: compose-test-template") == 4  # web, two workers, beat
    assert "consolemail" not in result.stdout
    assert "SMS_BACKEND: console" not in result.stdout


@needs_compose
@pytest.mark.parametrize("missing", sorted(COMPOSE_MESSAGE_SETTINGS))
def test_compose_refuses_to_start_without_a_message_setting(tmp_path, missing):
    settings_without = {k: v for k, v in COMPOSE_MESSAGE_SETTINGS.items() if k != missing}

    result = compose_config(tmp_path, **settings_without)

    assert result.returncode != 0
    assert f"Set {missing}" in result.stderr


def test_production_settings_refuse_to_start_without_an_sms_backend(no_dotenv):
    env = clean_environment(**PRODUCTION_ENV, SECRET_KEY=random_secret_key())
    del env["SMS_BACKEND"]

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "Set the SMS_BACKEND environment variable" in result.stderr


def test_production_settings_refuse_to_start_without_the_encryption_salt(no_dotenv):
    """Bank details and safeguarding records are encrypted with it: no default in production."""
    env = clean_environment(**PRODUCTION_ENV, SECRET_KEY=random_secret_key())
    del env["FIELD_ENCRYPTION_SALT"]

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "Set the FIELD_ENCRYPTION_SALT environment variable" in result.stderr


@pytest.mark.parametrize(
    ("override", "error_id"),
    [
        ({"EMAIL_URL": "consolemail://"}, "core.E001"),
        ({"SMS_BACKEND": "console"}, "core.E002"),
        ({"SMS_BACKEND": "locmem"}, "core.E002"),
        ({"SMS_TEMPLATE_ID": ""}, "core.E003"),
    ],
)
def test_deployment_checks_refuse_console_backends_under_production_settings(override, error_id):
    env = clean_environment(**{**PRODUCTION_ENV, **override}, SECRET_KEY=random_secret_key())

    result = run(["manage.py", "check", "--deploy"], env)

    assert result.returncode != 0
    assert error_id in result.stderr


@pytest.mark.parametrize(
    "email_backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    ],
)
def test_email_backends_that_reach_no_mail_server_are_errors_when_debug_is_off(settings, email_backend):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = email_backend
    settings.SMS_BACKEND = "govuk_notify"
    settings.SMS_API_KEY = settings.SMS_TEMPLATE_ID = "set"

    errors = check_message_backends(None)

    assert [e.id for e in errors] == ["core.E001"]
    assert all(e.level == checks.ERROR for e in errors)


def test_real_backends_pass_and_debug_allows_the_console(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SMS_BACKEND = "govuk_notify"
    settings.SMS_API_KEY = settings.SMS_TEMPLATE_ID = "set"
    assert check_message_backends(None) == []

    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.SMS_BACKEND = "console"
    assert check_message_backends(None) == []


def test_the_check_runs_only_under_deploy(settings):
    # The test settings keep mail and texts in memory with DEBUG off, on purpose: plain `check` must not fail.
    assert settings.SMS_BACKEND == "locmem" and not settings.DEBUG

    ordinary = checks.run_checks(include_deployment_checks=False)
    deploy = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])

    assert not [e for e in ordinary if e.id.startswith("core.E00")]
    assert {"core.E001", "core.E002"} <= {e.id for e in deploy}
