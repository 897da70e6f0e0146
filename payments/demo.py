"""Demo data for payments (registered with core.extensions.demo_seeders). Filled in by the payments work."""
