"""payments' sections of the home page and its menu items (core.extensions.home_sections, nav_items)."""
