"""Message kinds are registered by the apps that send them; notifications refuses any other."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.template.loader import get_template

from notifications import registry
from notifications.registry import MessageKind
from notifications.services import message_send


def test_sending_a_kind_nobody_registered_is_refused(parent):
    with pytest.raises(ValidationError) as refused:
        message_send(person=parent, kind="payments.claim_paid", key="claim:1", body="Paid.")

    assert refused.value.code == "unknown_kind"


def test_the_apps_register_their_kinds_at_start_up():
    names = {kind.name for kind in registry.kinds()}

    assert {"invitation", "chaser", "reminder_days", "follow_up_due", "groups.invitation"} <= names


@pytest.mark.parametrize("kind", registry.kinds(), ids=lambda k: k.name)
def test_every_registered_kind_has_its_own_short_text_template_that_renders(kind):
    # A text never falls back to the email body: each kind names a text template of its own, and it renders.
    assert kind.text_template and kind.text_template != kind.email_template
    text = get_template(kind.text_template)
    source = text.template.source

    assert text.render({}).strip() != ""
    # No personal details a text message should not carry (anyone may see a phone's lock screen).
    assert "phone" not in source
    assert "feeling" not in source
    get_template(kind.email_template)  # and the email template exists


def test_a_kind_without_a_text_template_cannot_be_registered():
    with pytest.raises(ImproperlyConfigured):
        MessageKind(name="x.y", label="X", email_template="x.txt", text_template="")


def test_a_taken_kind_name_cannot_be_registered_again_differently():
    kind = registry.get_kind("invitation")

    registry.register_kind(kind)  # the same again is harmless
    with pytest.raises(ImproperlyConfigured):
        registry.register_kind(MessageKind(name="invitation", label="Other", email_template="a", text_template="b"))
