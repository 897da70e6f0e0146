"""Concerns, safety plans and consent arrive with the safeguarding issue."""
