"""Form helpers for templates.

``{% form_token %}`` puts a one-time token in a form, so that a double click or a retried POST of
the same page makes one record (see ``core.idempotency``).
"""

import secrets

from django import template
from django.utils.html import format_html

from core.idempotency import FORM_TOKEN_FIELD

register = template.Library()


@register.simple_tag
def form_token():
    """A hidden input with a fresh random token, new at every page render."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_TOKEN_FIELD, secrets.token_urlsafe(24))
