from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "People and groups"

    def ready(self):
        from . import (
            menu,  # noqa: F401  (registers the audit trail's menu item)
            middleware,  # noqa: F401  (notes at sign-in whether a person has two-step sign-in)
        )
        from .notifications import register_with_notifications

        register_with_notifications()  # the invitation message kind
        from . import phone

        phone.register_with_notifications()  # the code that confirms a phone number
