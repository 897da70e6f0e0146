from django import template

register = template.Library()


@register.filter
def pounds(pence):
    """1250 -> "£12.50"; whole pounds without pence: 1200 -> "£12"."""
    if pence is None or pence == "":
        return ""
    pence = int(pence)
    whole, rest = divmod(pence, 100)
    return f"£{whole:,}" if rest == 0 else f"£{whole:,}.{rest:02d}"
