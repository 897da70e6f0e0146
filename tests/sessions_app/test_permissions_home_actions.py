"""Who may press "Remind the parents who have not answered" on a meeting at risk of missing its parent quorum
(sessions_app:quorum_remind, a POST from the governance lead's home page): anonymous -> sign in, another
organisation -> 404, inside the organisation without the right -> 403, governance lead and organisation admin
-> done (a redirect home). A meeting of a group without a parent quorum, or a draft, is refused to everyone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from groups import services as group_services
from groups.models import Group, Membership
from sessions_app.models import Message
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 3, 3, 9, 0, tzinfo=LONDON)
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def committee(organisation, facilitator, facilitator2, parent, make_user):
    group = group_services.group_create(
        organisation=organisation,
        name="Parent Governance Committee",
        kind=Group.Kind.GOVERNANCE,
        purpose="Parents and professionals agree how the family fund is spent.",
        acting_user=facilitator,
    )
    group_services.membership_add(
        group=group, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator
    )
    for person in (parent, make_user(full_name="Asha Parent"), make_user(full_name="Ben Parent")):
        group_services.membership_add(group=group, user=person, role=Membership.Role.PARENT, acting_user=facilitator)
    assert group.parent_quorum == 2
    return group


@pytest.fixture
def meeting(committee, facilitator, facilitator2, venue):
    return plan_session(committee, facilitator, facilitator2, starts_at=NOW + timedelta(days=3), venue=venue)


EXPECTED = {
    "anonymous": "login",
    "outsider": 404,
    "parent": 403,  # a parent on the committee
    "dad": 403,  # a parent of another group
    "facilitator": 403,  # runs the committee, but reminding for quorum is the governance lead's
    "governance_lead": 302,
    "org_admin": 302,
}


@pytest.mark.parametrize("person", list(EXPECTED))
def test_who_may_remind_the_parents_of_a_meeting(client, request, meeting, dad, person):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    response = client.post(reverse("sessions_app:quorum_remind", args=[meeting.pk]))
    expected = EXPECTED[person]
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    elif expected == 302:
        assert response.status_code == 302 and response.url == reverse("home")
    else:
        assert response.status_code == expected
    reminded = Message.objects.filter(kind="chaser", key__startswith=f"quorum_reminder:{meeting.pk}:").exists()
    assert reminded == (expected == 302)


def test_a_get_is_not_allowed_and_sends_nothing(client, meeting, governance_lead):
    client.force_login(governance_lead)
    assert client.get(reverse("sessions_app:quorum_remind", args=[meeting.pk])).status_code == 405
    assert not Message.objects.filter(kind="chaser").exists()


def test_a_group_without_a_parent_quorum_or_a_draft_is_refused(
    client, make_session, committee, facilitator, facilitator2, venue, governance_lead, org_admin
):
    no_quorum = make_session()  # the mothers' group has no parent quorum
    draft = plan_session(
        committee, facilitator, facilitator2, starts_at=NOW + timedelta(days=4), venue=venue, publish=False
    )
    for person in (governance_lead, org_admin):
        client.force_login(person)
        for session in (no_quorum, draft):
            assert client.post(reverse("sessions_app:quorum_remind", args=[session.pk])).status_code == 403
    assert client.post(reverse("sessions_app:quorum_remind", args=[999999])).status_code == 404
    assert not Message.objects.filter(kind="chaser").exists()


def test_a_meeting_already_held_is_refused_in_plain_words(client, meeting, governance_lead):
    client.force_login(governance_lead)
    with time_machine.travel(meeting.ends_at + timedelta(hours=1), tick=False):
        response = client.post(reverse("sessions_app:quorum_remind", args=[meeting.pk]), follow=True)
    assert response.status_code == 200
    assert "This meeting is not coming up, so nobody can be reminded." in response.content.decode()
    assert not Message.objects.filter(kind="chaser").exists()
