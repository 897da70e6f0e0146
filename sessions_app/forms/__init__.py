"""Forms for the session pages, one module per area (scheduling, member, running)."""

from core.money import parse_pounds as pounds_to_pence  # noqa: F401  (the name the session forms use)
