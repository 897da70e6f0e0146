"""Filled in by the safeguarding work."""

urlpatterns: list = []
