"""The safeguarding lead on duty: named on every session page (the organisation's only lead by default), chosen
by those who manage the session from the organisation's safeguarding leads."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent
from groups.models import StaffRole
from safeguarding.models import SessionDuty
from safeguarding.services.duty import session_duty_set, session_on_duty
from tests.safeguarding.factories_s2 import LONDON, session_of

START = datetime(2031, 3, 20, 10, 0, tzinfo=LONDON)
NOW = START - timedelta(days=5)
LOGIN = "/accounts/login/"
ASK = "Ask a facilitator who the safeguarding lead is"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, venue):
    return session_of(
        group_with_members,
        facilitator,
        facilitator2,
        planned_at=START - timedelta(days=10),
        starts_at=START,
        venue=venue,
    )


@pytest.fixture
def second_lead(make_user, organisation, grant):
    return grant(make_user(full_name="Lou Lead"), organisation, StaffRole.Role.SAFEGUARDING_LEAD)


def session_page(client, person, session) -> str:
    client.force_login(person)
    response = client.get(reverse("sessions_app:detail", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_session_page_names_the_organisations_only_lead(client, session, parent, safeguarding_lead):
    page = session_page(client, parent, session)
    assert "Safeguarding lead on duty: <strong>Sam Safeguarding</strong>" in page
    assert "Change the safeguarding lead on duty" not in page  # only for those who manage the session


def test_with_no_lead_or_several_the_page_says_whom_to_ask(client, session, parent, safeguarding_lead, second_lead):
    assert ASK in session_page(client, parent, session)


def test_with_no_lead_at_all_the_page_says_whom_to_ask(client, session, parent):
    assert ASK in session_page(client, parent, session)


def test_a_manager_names_the_lead_and_the_page_shows_them(
    client, session, facilitator, parent, safeguarding_lead, second_lead
):
    # given: the facilitator sees the link to change it
    assert "Change the safeguarding lead on duty" in session_page(client, facilitator, session)

    # when
    url = reverse("safeguarding:duty", args=[session.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"lead": second_lead.pk})

    # then
    assert response.status_code == 302 and response.url == session.get_absolute_url()
    duty = SessionDuty.objects.get(session=session)
    assert (duty.lead, duty.set_by) == (second_lead, facilitator)
    assert AuditEvent.objects.filter(action="session_duty.set", data__lead_id=second_lead.pk).exists()
    assert "Safeguarding lead on duty: <strong>Lou Lead</strong>" in session_page(client, parent, session)


def test_a_named_lead_who_loses_the_role_is_no_longer_on_duty(session, facilitator, safeguarding_lead, second_lead):
    session_duty_set(session=session, lead=second_lead, acting_user=facilitator)
    StaffRole.objects.filter(user=second_lead, role=StaffRole.Role.SAFEGUARDING_LEAD).delete()
    on_duty = session_on_duty(session=session)
    assert on_duty.lead == safeguarding_lead and not on_duty.named


@pytest.mark.parametrize("who", ["parent", "professional", "safeguarding_lead"])
def test_only_those_who_manage_the_session_name_the_lead(session, request, safeguarding_lead, who):
    with pytest.raises(ValidationError) as error:
        session_duty_set(session=session, lead=safeguarding_lead, acting_user=request.getfixturevalue(who))
    assert error.value.code == "not_allowed"
    assert not SessionDuty.objects.exists()


def test_the_lead_must_hold_the_role(session, facilitator, facilitator2):
    with pytest.raises(ValidationError) as error:
        session_duty_set(session=session, lead=facilitator2, acting_user=facilitator)
    assert error.value.code == "not_a_lead"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("facilitator", 200), ("org_admin", 200), ("parent", 403), ("safeguarding_lead", 403), ("outsider", 404)],
)
def test_the_duty_page_per_role(client, request, session, who, expected):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("safeguarding:duty", args=[session.pk])).status_code == expected


def test_the_duty_page_sends_anonymous_visitors_to_sign_in(client, session):
    response = client.get(reverse("safeguarding:duty", args=[session.pk]))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_refused_post_changes_nothing(client, session, parent, safeguarding_lead):
    client.force_login(parent)
    assert (
        client.post(reverse("safeguarding:duty", args=[session.pk]), {"lead": safeguarding_lead.pk}).status_code == 403
    )
    assert not SessionDuty.objects.exists()


def test_a_post_without_a_choice_shows_the_error(client, session, facilitator, safeguarding_lead):
    client.force_login(facilitator)
    response = client.post(reverse("safeguarding:duty", args=[session.pk]), {"lead": "not a number"})
    assert response.status_code == 200
    assert "<title>Error: Safeguarding lead on duty" in response.content.decode()
    assert not SessionDuty.objects.exists()
