from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Sessions"

    def ready(self):
        from . import demo, home, permissions  # noqa: F401  (registers permissions, page sections, demo data)
