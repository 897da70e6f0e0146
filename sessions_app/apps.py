from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Sessions"

    def ready(self):
        from . import demo, erasure, home, permissions  # noqa: F401  (registers permissions, sections, demo, erasure)
        from .messaging import register_with_notifications

        register_with_notifications()  # its message kinds, personal links and quiet hours

        from . import receivers

        receivers.connect()  # what ends when someone leaves a group (groups.events.member_left)
