"""The text message backends moved to `notifications.backends`; kept importable from here."""

from notifications.backends import (  # noqa: F401
    BACKENDS,
    ConsoleSmsBackend,
    GovUkNotifySmsBackend,
    LocmemSmsBackend,
    SmsError,
    get_backend,
)
