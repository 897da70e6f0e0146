from django import template

from core.money import format_pence

register = template.Library()


@register.filter
def pounds(pence):
    """1250 -> "£12.50"; whole pounds without pence: 1200 -> "£12" (core.money.format_pence)."""
    return format_pence(pence)
