from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "People and groups"

    def ready(self):
        from . import menu  # noqa: F401  (registers the audit trail's menu item)
        from .notifications import register_with_notifications

        register_with_notifications()  # the invitation message kind
