"""payments' receivers of sessions_app's domain events."""


def connect() -> None:
    pass
