from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: imports nothing of ours. The audit and access trail, the typed extension points, and
    the form and money helpers every app shares."""

    name = "core"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the deployment checks (`check --deploy`) for email and text message backends.
        from . import checks  # noqa: F401
