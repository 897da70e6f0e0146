"""safeguarding's receivers of core.extensions (check-in markers, session and home sections, menu items,
person erasure, demo data). Each helper module registers its own; this module imports them all."""

from . import data_sections, demo, erasure, escalation_tasks, home, markers, raise_links, sections  # noqa: F401
