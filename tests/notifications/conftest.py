import pytest

from notifications import backends


@pytest.fixture(autouse=True)
def sms_outbox():
    backends.LocmemSmsBackend.outbox.clear()
    yield backends.LocmemSmsBackend.outbox
    backends.LocmemSmsBackend.outbox.clear()
