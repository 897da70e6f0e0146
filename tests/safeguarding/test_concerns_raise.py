"""Raising a safeguarding concern (issue 13, item 1): anyone signed in inside the organisation, on one short page,
from the menu or a session; the raiser gets a receipt and nothing more; the record is a 404 to them."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import AccessEvent, AuditEvent
from safeguarding.models import ChronologyEntry, Concern, ConcernPerson, ImmediateRiskAlert
from tests.safeguarding import factories_s1
from tests.safeguarding.factories_s1 import WHAT, raise_concern
from tests.sessions_app.factories import plan_session

pytestmark = pytest.mark.django_db
second_lead, texts = factories_s1.second_lead, factories_s1.texts


def raise_post(client, url, **fields):
    data = {"what_happened": WHAT, "when_happened": "Last night", "immediate_risk": "no", "form_token": "tok-1"}
    data.update(fields)
    return client.post(url, data)


@pytest.mark.parametrize("who", ["parent", "professional", "facilitator"])
def test_anyone_in_the_organisation_raises_a_concern_and_only_gets_a_receipt(
    client, request, who, group_with_members, safeguarding_lead
):
    person = request.getfixturevalue(who)
    client.force_login(person)

    # when
    page = client.get(reverse("safeguarding:raise"))
    response = raise_post(client, reverse("safeguarding:raise"))

    # then: one concern, the organisation chosen for them (they have only one)
    assert page.status_code == 200
    assert "Is anyone in danger right now?" in page.content.decode()
    concern = Concern.objects.get()
    assert (concern.raised_by, concern.organisation, concern.immediate_risk) == (
        person,
        group_with_members.organisation,
        False,
    )
    assert response.status_code == 302
    receipt = client.get(response["Location"]).content.decode()
    assert "Thank you. Your concern was received." in receipt
    assert "It will be handled by Sam Safeguarding" in receipt
    assert WHAT not in receipt

    # and: the record itself is not there for them, and the attempt is in its trail
    assert client.get(reverse("safeguarding:concern", args=[concern.pk])).status_code == 404
    refused = AccessEvent.objects.get(kind="refused", object_id=str(concern.pk))
    assert refused.actor == person and refused.object_type == "safeguarding.concern"

    # and: their list says when, and "received", never the record
    again = client.get(reverse("safeguarding:raise")).content.decode()
    assert "Concerns you raised" in again and "received" in again and WHAT not in again


def test_the_service_keeps_the_words_on_the_concern_only(group_with_members, parent, professional):
    concern = raise_concern(group_with_members.organisation, parent, people=[professional], immediate_risk=True)

    [entry] = ChronologyEntry.objects.filter(concern=concern)
    assert entry.kind == "raised" and not entry.text and entry.recorded_by == parent
    assert [p.person for p in ConcernPerson.objects.filter(concern=concern)] == [professional]
    event = AuditEvent.objects.get(action="concern.raised")
    assert event.data == {"concern": concern.pk, "immediate_risk": True}
    assert WHAT not in str(event.data) and WHAT not in event.object_repr


def test_no_lead_means_the_receipt_names_the_safeguarding_lead(client, group_with_members, parent):
    client.force_login(parent)
    response = raise_post(client, reverse("safeguarding:raise"))

    assert "It will be handled by the safeguarding lead." in client.get(response["Location"]).content.decode()


def test_immediate_risk_shows_the_emergency_steps_first_and_alerts_the_leads(
    client, group_with_members, parent, safeguarding_lead, second_lead, texts, django_capture_on_commit_callbacks
):
    client.force_login(parent)
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        response = raise_post(client, reverse("safeguarding:raise"), immediate_risk="yes")

    html = client.get(response["Location"]).content.decode()
    assert html.index("Call 999 now if someone is in danger") < html.index("Your safeguarding leads have been alerted")
    concern = Concern.objects.get()
    assert set(ImmediateRiskAlert.objects.values_list("lead", flat=True)) == {safeguarding_lead.pk, second_lead.pk}
    # by email to both, by text to the one with a confirmed phone; the words of the concern in none of them
    assert sorted(m.to[0] for m in mail.outbox) == ["lee@example.test", "safe@example.test"]
    assert [t["to"] for t in texts] == ["07700900123"]
    link = f"/safeguarding/concerns/{concern.pk}/"
    for body in [m.body for m in mail.outbox] + [t["body"] for t in texts]:
        assert "urgent safeguarding concern for you to look at now" in body and link in body
        assert "scared" not in body and "Jo" not in body


def test_a_double_click_raises_one_concern(client, group_with_members, parent):
    client.force_login(parent)

    first = raise_post(client, reverse("safeguarding:raise"))
    second = raise_post(client, reverse("safeguarding:raise"))

    assert first.status_code == second.status_code == 302
    assert Concern.objects.count() == 1
    assert ChronologyEntry.objects.count() == 1


def test_the_answer_about_danger_is_required_and_the_page_keeps_what_was_typed(client, group_with_members, parent):
    client.force_login(parent)

    response = raise_post(client, reverse("safeguarding:raise"), immediate_risk="")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Say whether anyone is in danger right now." in html
    assert "scared to go home" in html
    assert Concern.objects.count() == 0


def test_someone_in_several_organisations_chooses_one(
    client, group_with_members, parent, other_organisation, outsider, grant
):
    from groups.models import StaffRole

    grant(parent, other_organisation, StaffRole.Role.FACILITATOR)
    client.force_login(parent)

    page = client.get(reverse("safeguarding:raise")).content.decode()
    response = raise_post(client, reverse("safeguarding:raise"), organisation=str(other_organisation.pk))

    assert "Which organisation is this about?" in page
    assert response.status_code == 302
    assert Concern.objects.get().organisation == other_organisation


def test_someone_in_no_organisation_is_refused(client, make_user):
    client.force_login(make_user())

    assert client.get(reverse("safeguarding:raise")).status_code == 403


def test_people_must_be_of_the_organisation(group_with_members, parent, outsider):
    with pytest.raises(ValidationError) as error:
        raise_concern(group_with_members.organisation, parent, people=[outsider])

    assert error.value.error_dict["people"][0].code == "not_in_organisation"
    assert Concern.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("what", "x" * 5001, "text_too_long"),
        ("what", "   ", "what_required"),
        ("when", "y" * 201, "text_too_long"),
        ("people_description", "z" * 301, "text_too_long"),
        ("when", "today\nat noon", "control_character"),
    ],
)
def test_texts_are_bounded(group_with_members, parent, field, value, code):
    with pytest.raises(ValidationError) as error:
        raise_concern(group_with_members.organisation, parent, **{field: value})

    assert [e.code for errors in error.value.error_dict.values() for e in errors] == [code]


def test_someone_outside_the_organisation_cannot_raise_there(group_with_members, outsider):
    with pytest.raises(ValidationError) as error:
        raise_concern(group_with_members.organisation, outsider)

    assert error.value.code == "not_member"


# --- from a session --------------------------------------------------------------------------------------------


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, venue):
    from datetime import timedelta

    from django.utils import timezone

    return plan_session(
        group_with_members, facilitator, facilitator2, starts_at=timezone.now() + timedelta(days=2), venue=venue
    )


def test_the_session_page_links_to_raising_a_concern_about_it(client, session, parent):
    client.force_login(parent)

    html = client.get(reverse("sessions_app:detail", args=[session.pk])).content.decode()

    assert "Worried about someone?" in html
    assert reverse("safeguarding:raise_from_session", args=[session.pk]) in html


def test_raising_from_a_session_offers_its_members_and_keeps_the_session(
    client, session, parent, professional, facilitator
):
    client.force_login(parent)
    url = reverse("safeguarding:raise_from_session", args=[session.pk])

    page = client.get(url).content.decode()
    response = raise_post(client, url, people=[str(professional.pk)], people_description="A child at the session")

    assert professional.display_name in page and facilitator.display_name in page
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert (concern.session, concern.group) == (session, session.group)
    assert {(p.person_id, p.description) for p in concern.people.all()} == {
        (professional.pk, None),
        (None, "A child at the session"),
    }


def test_a_person_not_offered_cannot_be_posted(client, session, parent, outsider):
    client.force_login(parent)

    response = raise_post(
        client, reverse("safeguarding:raise_from_session", args=[session.pk]), people=[str(outsider.pk)]
    )

    assert response.status_code == 200
    assert "Choose people from the list." in response.content.decode()
    assert Concern.objects.count() == 0


def test_the_menu_offers_raise_a_concern_to_people_in_an_organisation(client, group_with_members, parent, make_user):
    client.force_login(parent)
    assert "Raise a concern" in client.get(reverse("home")).content.decode()

    client.force_login(make_user())
    assert "Raise a concern" not in client.get(reverse("home")).content.decode()


# --- hostile input -------------------------------------------------------------------------------------------

text = st.one_of(st.text(max_size=40), st.sampled_from(["", "\x00", "a\x00b", "\u2028", "x" * 5001, "😀", "' OR 1=1"]))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(what=text, when=text, description=text, risk=st.sampled_from(["yes", "no", "", "maybe", "\x00"]), people=text)
def test_hostile_input_never_breaks_the_page_or_saves_half(
    client, group_with_members, parent, what, when, description, risk, people
):
    client.force_login(parent)
    before = (Concern.objects.count(), ChronologyEntry.objects.count(), ConcernPerson.objects.count())

    response = client.post(
        reverse("safeguarding:raise"),
        {
            "what_happened": what,
            "when_happened": when,
            "people_description": description,
            "immediate_risk": risk,
            "people": people,
        },
    )

    assert response.status_code in (200, 302)
    after = (Concern.objects.count(), ChronologyEntry.objects.count(), ConcernPerson.objects.count())
    if response.status_code == 200:
        assert after == before
        assert "There is a problem" in response.content.decode()
    else:
        concern = Concern.objects.order_by("-pk").first()
        assert after[0] == before[0] + 1 and after[1] == before[1] + 1
        assert concern.what_happened == what.strip()


def test_leads_find_their_organisations_concerns_in_the_menu(client, group_with_members, safeguarding_lead):
    client.force_login(safeguarding_lead)

    html = client.get(reverse("home")).content.decode()

    assert reverse("safeguarding:concerns", args=[group_with_members.organisation_id]) in html


def test_the_check_in_and_check_out_screens_link_to_raising_a_concern_about_the_session(client, session, facilitator):
    client.force_login(facilitator)
    link = reverse("safeguarding:raise_from_session", args=[session.pk])
    for name in ("sessions_app:checkin_screen", "sessions_app:checkout_screen"):
        page = client.get(reverse(name, args=[session.pk])).content.decode()
        assert link in page, name
