from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self):
        # Registers the permissions, message kinds, check-in markers, session sections, erasure and demo data.
        from . import extensions_registered, permissions  # noqa: F401
        from .messaging import register_with_notifications

        register_with_notifications()
