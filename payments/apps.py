from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        # Registers the permissions, home sections, menu items, demo data and what erasing a person keeps.
        from . import data_sections, demo, erasure, home, permissions, sections  # noqa: F401
        from .messaging import register_with_notifications

        register_with_notifications()

        from . import receivers

        receivers.connect()  # claims are made when a session's register is closed (sessions_app.events)
