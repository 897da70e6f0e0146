"""Access to a concern for a while (issue 13, item 3): a lead gives a named person of the organisation access for
1 to 30 days, which ends on its own or sooner; a facilitator who raised a concern or is named on it opens it in
an emergency, for 24 hours, and every lead is alerted at once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AccessEvent, AuditEvent
from notifications.models import Message
from safeguarding.models import AccessGrant, ChronologyEntry, ImmediateRiskAlert
from safeguarding.services import grants as grant_services
from tests.safeguarding import factories_s1
from tests.safeguarding.factories_s1 import raise_concern, stepped_up

pytestmark = pytest.mark.django_db
second_lead, texts, other_org_lead = factories_s1.second_lead, factories_s1.texts, factories_s1.other_org_lead


@pytest.fixture
def concern(group_with_members, parent, professional):
    return raise_concern(group_with_members.organisation, parent, people=[professional])


def test_a_grant_opens_the_record_until_it_expires(
    client, concern, safeguarding_lead, facilitator, django_capture_on_commit_callbacks
):
    start = timezone.now()
    stepped_up(client, safeguarding_lead)
    mail.outbox = []

    # when: the lead gives the facilitator three days
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("safeguarding:grant_add", args=[concern.pk]),
            {"person": facilitator.pk, "days": "3", "reason": "Fran runs the group and needs to plan support."},
        )

    # then
    assert response.status_code == 302
    grant = AccessGrant.objects.get()
    assert (grant.person, grant.kind, grant.granted_by) == (facilitator, "granted", safeguarding_lead)
    assert ChronologyEntry.objects.filter(concern=concern, kind="access_granted").count() == 1
    event = AuditEvent.objects.get(action="access_grant.given")
    assert "plan support" not in str(event.data)
    [told] = Message.objects.filter(person=facilitator, kind="safeguarding.access_granted")
    assert told.body == "" and told.link == concern.get_absolute_url()
    assert "scared" not in mail.outbox[-1].body and concern.get_absolute_url() in mail.outbox[-1].body

    # and: the facilitator reads it (no second step needed), each read in the trail, but cannot change it
    client.force_login(facilitator)
    url = reverse("safeguarding:concern", args=[concern.pk])
    with time_machine.travel(start + timedelta(days=2, hours=23)):
        page = client.get(url)
        assert page.status_code == 200 and "scared to go home" in page.content.decode()
        assert "Who has looked at this record" not in page.content.decode()
        assert client.get(reverse("safeguarding:triage", args=[concern.pk])).status_code == 404
    assert AccessEvent.objects.filter(kind="view", actor=facilitator, object_id=str(concern.pk)).count() == 1

    # when: three days have passed
    with time_machine.travel(start + timedelta(days=3, minutes=1)):
        # then: it is gone for them, and the refusal is in the trail; the grant is still there for review
        assert client.get(url).status_code == 404
    assert AccessEvent.objects.filter(kind="refused", actor=facilitator, object_id=str(concern.pk)).count() == 2
    assert AccessGrant.objects.filter(pk=grant.pk).exists()


def test_a_lead_ends_access_sooner(client, concern, safeguarding_lead, facilitator):
    grant = grant_services.access_grant_give(
        concern=concern, acting_user=safeguarding_lead, person=facilitator, days=5, reason="Covering."
    )
    stepped_up(client, safeguarding_lead)

    response = client.post(reverse("safeguarding:grant_end", args=[concern.pk, grant.pk]))

    assert response.status_code == 302
    grant = AccessGrant.objects.get(pk=grant.pk)
    assert grant.ended_at is not None and grant.reviewed_by == safeguarding_lead
    client.force_login(facilitator)
    assert client.get(reverse("safeguarding:concern", args=[concern.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access_grant.ended").count() == 1


@pytest.mark.parametrize(
    ("days", "who", "field", "code"),
    [
        (0, "facilitator", "days", "days_out_of_range"),
        (31, "facilitator", "days", "days_out_of_range"),
        (3, "outsider", "person", "not_in_organisation"),
    ],
)
def test_grants_are_for_1_to_30_days_to_people_of_the_organisation(
    request, concern, safeguarding_lead, days, who, field, code
):
    person = request.getfixturevalue(who)

    with pytest.raises(ValidationError) as error:
        grant_services.access_grant_give(
            concern=concern, acting_user=safeguarding_lead, person=person, days=days, reason="Why."
        )

    assert error.value.error_dict[field][0].code == code
    assert not AccessGrant.objects.exists()


def test_the_list_shows_grants_for_review(client, concern, safeguarding_lead, facilitator):
    grant_services.access_grant_give(
        concern=concern, acting_user=safeguarding_lead, person=facilitator, days=2, reason="Covering the group."
    )
    stepped_up(client, safeguarding_lead)

    html = client.get(reverse("safeguarding:concerns", args=[concern.organisation_id])).content.decode()

    assert "Access given, to review" in html and facilitator.display_name in html and "Covering the group." in html


# --- break glass -----------------------------------------------------------------------------------------------


def test_a_facilitator_who_raised_it_opens_it_in_an_emergency_and_every_lead_is_alerted(
    client, group_with_members, facilitator, safeguarding_lead, second_lead, texts, django_capture_on_commit_callbacks
):
    concern = raise_concern(group_with_members.organisation, facilitator)
    client.force_login(facilitator)
    assert client.get(reverse("safeguarding:concern", args=[concern.pk])).status_code == 404
    assert (
        f'href="{reverse("safeguarding:break_glass", args=[concern.pk])}"'
        in client.get(reverse("safeguarding:raise")).content.decode()
    )
    mail.outbox = []

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("safeguarding:break_glass", args=[concern.pk]),
            {"reason": "Jo has not come home; police need the details now."},
        )

    # then: 24 hours of access, a chronology line, every lead alerted by the break-glass message
    assert response.status_code == 302
    grant = AccessGrant.objects.get()
    assert grant.kind == "break_glass" and grant.expires_at - grant.granted_at == timedelta(hours=24)
    assert ChronologyEntry.objects.filter(concern=concern, kind="break_glass").count() == 1
    assert set(ImmediateRiskAlert.objects.filter(reason="break_glass").values_list("lead", flat=True)) == {
        safeguarding_lead.pk,
        second_lead.pk,
    }
    sent = Message.objects.filter(kind="safeguarding.break_glass")
    assert {(m.person_id, m.channel) for m in sent} == {
        (safeguarding_lead.pk, "email"),
        (second_lead.pk, "email"),
        (second_lead.pk, "text"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["lee@example.test", "safe@example.test"]
    assert all("opened in an emergency" in m.body and "police" not in m.body for m in mail.outbox)
    assert client.get(reverse("safeguarding:concern", args=[concern.pk])).status_code == 200

    # when: sent again (a double click without the token, or a second try)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("safeguarding:break_glass", args=[concern.pk]), {"reason": "Again."})

    # then: the same grant, nobody alerted twice
    assert AccessGrant.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_facilitator_named_on_it_may_break_glass_but_not_a_parent_or_another_facilitator(
    client, group_with_members, parent, facilitator, facilitator2
):
    concern = raise_concern(group_with_members.organisation, parent, people=[facilitator])

    client.force_login(facilitator)
    assert client.get(reverse("safeguarding:break_glass", args=[concern.pk])).status_code == 200
    for person in (parent, facilitator2):
        client.force_login(person)
        assert client.get(reverse("safeguarding:break_glass", args=[concern.pk])).status_code == 404
    with pytest.raises(ValidationError) as error:
        grant_services.concern_break_glass(concern=concern, acting_user=parent, reason="Let me in.")
    assert error.value.code == "not_allowed"


def test_break_glass_needs_a_reason(client, group_with_members, facilitator):
    concern = raise_concern(group_with_members.organisation, facilitator)
    client.force_login(facilitator)

    response = client.post(reverse("safeguarding:break_glass", args=[concern.pk]), {"reason": "  "})

    assert response.status_code == 200 and "Give the reason." in response.content.decode()
    assert not AccessGrant.objects.exists()
