"""Domain events are sent after the transaction commits, and a failing receiver does not undo the change."""

import pytest
from django.db import transaction
from django.dispatch import Signal

from core.events import send_on_commit

happened = Signal()


@pytest.mark.django_db
def test_sent_after_commit_not_on_rollback(django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs["thing"])

    happened.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            send_on_commit(happened, sender=object, thing=1)
            assert seen == []
        assert seen == [1]

        with pytest.raises(RuntimeError), transaction.atomic():
            send_on_commit(happened, sender=object, thing=2)
            raise RuntimeError
        assert seen == [1]
    finally:
        happened.disconnect(receiver)


@pytest.mark.django_db
def test_a_failing_receiver_is_logged_and_others_still_run(django_capture_on_commit_callbacks, caplog):
    seen = []

    def broken(sender, **kwargs):
        raise ValueError("boom")

    def fine(sender, **kwargs):
        seen.append(True)

    happened.connect(broken)
    happened.connect(fine)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            send_on_commit(happened, sender=object)
    finally:
        happened.disconnect(broken)
        happened.disconnect(fine)
    assert seen == [True]
    assert "failed" in caplog.text
