"""Group invitations go through notifications: logged, queued after commit, retried when the mail server is down."""

import pytest
from django.urls import reverse

from groups.models import Invitation
from notifications.models import Message
from notifications.services import message_deliver, messages_dispatch


class MailServerDown:
    """An email backend whose server refuses the connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


@pytest.fixture
def mail_server_down(settings):
    settings.MESSAGE_DELIVERY = "inline"
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    return settings


def test_inviting_while_the_mail_server_is_down_succeeds_and_the_email_is_retried(
    client, mail_server_down, group_with_members, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    client.force_login(facilitator)

    # when: the facilitator sends the invite form, with the mail server down
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("groups:invite", args=[group_with_members.pk]),
            {"email": "nia@example.test", "full_name": "Nia Jones", "role": "parent"},
            follow=True,
        )

    # then: the inviter gets the page they always got
    assert response.redirect_chain == [(reverse("groups:members", args=[group_with_members.pk]), 302)]
    assert response.status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.email == "nia@example.test"
    # and the email is in the log, to be retried, with what went wrong
    message = Message.objects.get(kind="groups.invitation")
    assert (message.address, message.person, message.channel) == ("nia@example.test", None, "email")
    assert message.topic == f"groups.invitation:{invitation.pk}"
    assert message.organisation_id == group_with_members.organisation_id
    assert message.status == Message.Status.PENDING
    assert message.attempts == 1
    assert "Connection refused" in message.error
    assert invitation.token not in message.body
    assert mailoutbox == []

    # when: the mail server is back and the dispatcher runs once the retry is due
    mail_server_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Message.objects.filter(pk=message.pk).update(send_after=message.created_at)  # the backoff has passed
    due = messages_dispatch(deliver=lambda message_id: message_deliver(message_id=message_id))
    again = messages_dispatch(deliver=lambda message_id: message_deliver(message_id=message_id))

    # then: it is sent once, with its working link
    assert (due, again) == (1, 0)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == (Message.Status.SENT, 2, "")
    [email] = mailoutbox
    assert email.to == ["nia@example.test"]
    assert email.subject == "You are invited to join Mothers' group"
    assert "Hello Nia Jones" in email.body
    assert f"/invitations/{invitation.token}/" in email.body


def test_inviting_again_sends_a_new_message(
    group_with_members, facilitator, parent, mailoutbox, django_capture_on_commit_callbacks
):
    from groups import services as group_services

    with django_capture_on_commit_callbacks(execute=True):
        first = group_services.invitation_create(
            group=group_with_members, email="nia@example.test", role="parent", acting_user=facilitator
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = group_services.invitation_create(
            group=group_with_members, email="nia@example.test", role="parent", acting_user=facilitator
        )

    assert again.pk == first.pk
    assert Message.objects.filter(kind="groups.invitation", topic=f"groups.invitation:{first.pk}").count() == 2
    assert len(mailoutbox) == 2


def test_an_invitation_to_an_address_with_an_account_is_logged_against_the_person_too(
    group_with_members, facilitator, make_user, django_capture_on_commit_callbacks, mailoutbox
):
    from groups import services as group_services

    someone = make_user(email="sam@example.test", phone="07700 900123", contact_preference="text")
    with django_capture_on_commit_callbacks(execute=True):
        group_services.invitation_create(
            group=group_with_members, email="SAM@example.test", role="parent", acting_user=facilitator
        )

    [message] = Message.objects.filter(kind="groups.invitation")
    assert (message.person, message.address, message.channel) == (someone, "sam@example.test", "email")
    assert [m.to for m in mailoutbox] == [["sam@example.test"]]
