"""Filled in by the payments work."""

urlpatterns: list = []
