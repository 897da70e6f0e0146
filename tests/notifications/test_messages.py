"""The message log in notifications: sensitive kinds, what staff see, messages to an address with no account,
quiet hours from the resolver an app registers, and delivery failures of any kind."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.urls import reverse

from notifications import backends, registry
from notifications.display import redact_personal_links
from notifications.models import Message
from notifications.registry import MessageKind
from notifications.services import DeliveryFailed, message_deliver, message_send, messages_due

LONDON = ZoneInfo("Europe/London")
PHONE = "07700 900123"


@pytest.fixture
def sensitive_kind():
    kind = registry.register_kind(
        MessageKind(
            name="tests.concern_update",
            label="Something to look at",
            email_template=registry.SOMETHING_TO_LOOK_AT_EMAIL,
            text_template=registry.SOMETHING_TO_LOOK_AT_TEXT,
            sensitive=True,
        )
    )
    yield kind
    registry.unregister_kind(kind.name)


@pytest.fixture
def texter(make_user):
    return make_user(email="tariq@example.test", full_name="Tariq Text", phone=PHONE, contact_preference="both")


# --- sensitive kinds -------------------------------------------------------------------------------------


def test_a_sensitive_message_stores_no_body_and_says_only_that_there_is_something_to_look_at(
    settings, sensitive_kind, texter, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        created = message_send(
            person=texter,
            kind=sensitive_kind.name,
            key="concern:5:update:1",
            subject="Something to look at",
            context={"note": "Left feeling low after the session"},
            body="Left feeling low after the session",
            link="/safeguarding/concerns/5/",
        )

    # then: neither channel keeps a body
    assert len(created) == 2
    for message in Message.objects.all():
        assert message.body == ""
        assert message.status == Message.Status.SENT
        assert "feeling low" not in message.body_for_staff
    # and what went out says only that there is something to look at, with the link
    [email] = mailoutbox
    assert "something in coprod for you to look at" in email.body
    assert settings.SITE_URL.rstrip("/") + "/safeguarding/concerns/5/" in email.body
    assert "feeling low" not in email.body
    [text] = sms_outbox
    assert text["body"].startswith("There is something in coprod for you to look at: ")
    assert "feeling low" not in text["body"]


# --- what staff see --------------------------------------------------------------------------------------


def test_staff_never_see_a_personal_link(parent, settings):
    settings.SITE_URL = "https://coprod.example.org"
    body = (
        "Will you come? Yes: https://coprod.example.org/a/.eJyrVkrOzytJzSvRsTI0MjYzNjE3NzA0sDQwsLQ0NLEwNzFIzs8rSc0rUbJSSs7PS8rMS1Wq"
        "BQCKxQ6Z:1tQ6ne:abcDEFghiJKLmnoPQRstuVWXyz0123456789/ No: https://coprod.example.org/a/shorttoken/\n"
        "Join: https://coprod.example.org/invitations/Zx8s7d6f5g4h3j2k1l0pQwErTyUiOp/\n"
        "More about the session: https://coprod.example.org/sessions/12/"
    )

    shown = redact_personal_links(body)

    assert "/a/" not in shown and "/invitations/" not in shown
    assert shown.count("[personal link]") == 3
    assert "https://coprod.example.org/sessions/12/" in shown  # an ordinary page stays


def test_the_admin_shows_the_log_without_personal_links(
    client, make_user, group_with_members, facilitator, django_capture_on_commit_callbacks
):
    # given: a group invitation (its link is personal) and a session invitation (one-tap answer links)
    from groups import services as group_services

    with django_capture_on_commit_callbacks(execute=True):
        invitation = group_services.invitation_create(
            group=group_with_members, email="nia@example.test", role="parent", acting_user=facilitator
        )
    message = Message.objects.get(kind="groups.invitation")
    staff = make_user(email="root@example.test", is_staff=True, is_superuser=True)
    client.force_login(staff)

    # when
    change = client.get(reverse("admin:notifications_message_change", args=[message.pk]))
    listing = client.get(reverse("admin:notifications_message_changelist"), {"q": "groups.invitation"})

    # then
    assert change.status_code == 200 and listing.status_code == 200
    assert invitation.token not in change.content.decode()
    assert "[personal link]" in change.content.decode()
    assert invitation.token not in message.body  # the stored body never held it
    assert admin.site._registry[Message].has_change_permission(request=None) is False
    assert admin.site._registry[Message].has_delete_permission(request=None) is False
    assert b"nia@example.test" in listing.content


# --- a message to an address with no account -------------------------------------------------------------


def test_a_message_to_an_address_is_sent_once_per_key(db, mailoutbox, django_capture_on_commit_callbacks):
    def send(address="Nia@Example.test ", key="groups.invitation:1:1"):
        return message_send(
            kind="groups.invitation",
            key=key,
            address=address,
            body="Join us",
            subject="You are invited",
            topic="groups.invitation:1",
        )

    with django_capture_on_commit_callbacks(execute=True):
        [first] = send()
        assert send() == []
        assert send(address="nia@example.test") == []
        [again] = send(key="groups.invitation:1:2")  # inviting again is a message of its own

    assert (first.address, first.person, first.channel) == ("nia@example.test", None, Message.Channel.EMAIL)
    assert again.pk != first.pk
    assert [m.to for m in mailoutbox] == [["nia@example.test"], ["nia@example.test"]]


def test_the_database_refuses_a_duplicate_address_and_a_message_to_nobody(db):
    Message.objects.create(address="nia@example.test", channel="email", kind="groups.invitation", key="k", body="x")

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(address="nia@example.test", channel="email", kind="groups.invitation", key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(channel="email", kind="groups.invitation", key="nobody")


# --- quiet hours through the resolver --------------------------------------------------------------------


def test_quiet_hours_come_from_the_resolver_an_app_registers(organisation, texter, sms_outbox):
    previous = registry._quiet_hours_resolver
    seen = []

    def resolver(organisation_id):
        seen.append(organisation_id)
        return (time(20, 0), time(9, 30))

    registry.set_quiet_hours_resolver(resolver)
    try:
        with time_machine.travel(datetime(2030, 6, 3, 20, 30, tzinfo=LONDON), tick=False):
            created = message_send(person=texter, kind="chaser", key="k", body="Hi", organisation_id=organisation.pk)
        registry.set_quiet_hours_resolver(None)
        with time_machine.travel(datetime(2030, 6, 3, 20, 30, tzinfo=LONDON), tick=False):
            default = message_send(person=texter, kind="chaser", key="k2", body="Hi", organisation_id=organisation.pk)
    finally:
        registry.set_quiet_hours_resolver(previous)

    assert seen == [organisation.pk]
    text = next(m for m in created if m.channel == Message.Channel.TEXT)
    assert (text.status, text.send_after) == (Message.Status.HELD, datetime(2030, 6, 4, 9, 30, tzinfo=LONDON))
    # Without a resolver the default quiet hours (21:00 to 08:00) apply: 20:30 is not quiet.
    assert all(m.status == Message.Status.PENDING for m in default)


# --- any failure of the backend is recorded ----------------------------------------------------------------


class BuggyEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise RuntimeError("Unexpected reply from the mail relay")


def test_any_error_from_a_backend_is_recorded_and_retried_never_left_sending(settings, parent, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.BuggyEmailBackend"
    [message] = message_send(person=parent, kind="chaser", key="k", body="Hi")

    with pytest.raises(DeliveryFailed):
        message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.error == "Unexpected reply from the mail relay"
    assert message.attempts == 1
    assert message.send_after > message.created_at
    assert messages_due(now=message.send_after + timedelta(seconds=1)) == [message.pk]


def test_the_text_backends_moved_and_stay_importable_from_sessions_app():
    from sessions_app import sms

    assert sms.LocmemSmsBackend is backends.LocmemSmsBackend
    assert sms.BACKENDS is backends.BACKENDS
