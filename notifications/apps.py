from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The message log, its channels (email, text message) and their backends, quiet hours, retries with
    backoff and the dispatcher. Imports nothing of ours but `core`: each app registers its own message kinds
    (`notifications.registry.register_kind`) in its `AppConfig.ready()`."""

    name = "notifications"
    verbose_name = "Messages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import extensions

        from .erasure import erase_person_messages

        extensions.person_erasure.register(erase_person_messages)
