"""Safety plan pages: the person's own plan and sharing, the plan page for the facilitators of a group it is shared
with (each reading in the access trail, which the person sees), and the check-in markers in fixed queries."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import extensions
from core.models import AccessEvent
from groups.models import Membership, StaffRole
from groups.permissions import forget_standing, standing
from safeguarding.markers import PLAN_LABEL, safeguarding_markers
from safeguarding.models import ConsentHow, ConsentKind, SafetyPlan, SafetyPlanShare
from safeguarding.services import consent as consent_services
from safeguarding.services import plans as services
from safeguarding.services.plans import PLAN_FIELDS
from tests.safeguarding.factories_s2 import LONDON, add_member, safeguarding_rows, session_of, share_plan, write_plan

LOGIN = "/accounts/login/"
SECRET = "Talking about the time my child was taken into care"


@pytest.fixture
def shared_plan(group_with_members, parent):
    plan = write_plan(parent, upsets_me=SECRET, helps="A cup of tea")
    share_plan(parent, group_with_members)
    return plan


def plan_url(plan):
    return reverse("safeguarding:plan", args=[plan.pk])


# --- the plan page ---------------------------------------------------------------------------------------


def test_a_facilitator_of_the_group_reads_it_while_shared_and_the_person_sees_who(
    client, shared_plan, facilitator, parent
):
    # when: the group's facilitator opens the plan
    client.force_login(facilitator)
    response = client.get(plan_url(shared_plan))

    # then: they read it, and the reading is in the access trail
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    [event] = AccessEvent.objects.filter(kind="view", object_type="safeguarding.safetyplan")
    assert event.actor == facilitator and event.object_id == str(shared_plan.pk)
    assert SECRET not in str(event.data) and SECRET not in event.object_repr

    # and: the person sees who read it on their own page
    client.force_login(parent)
    page = client.get(reverse("safeguarding:my_plan")).content.decode()
    assert "Who has read my plan" in page
    assert facilitator.display_name in page


def test_after_sharing_stops_the_facilitator_gets_a_404_recorded(client, shared_plan, group_with_members, parent):
    services.safety_plan_stop_sharing(person=parent, acting_user=parent, group=group_with_members)
    facilitator = group_with_members.memberships.get(user__email="facilitator@example.test").user
    client.force_login(facilitator)

    assert client.get(plan_url(shared_plan)).status_code == 404
    assert AccessEvent.objects.filter(kind="refused", actor=facilitator, object_id=str(shared_plan.pk)).exists()
    assert not AccessEvent.objects.filter(kind="view").exists()


@pytest.fixture
def facilitator_of_another_group(make_user, organisation, grant, other_group, facilitator2):
    person = grant(make_user(full_name="Olive Other"), organisation, StaffRole.Role.FACILITATOR)
    return add_member(other_group, person, facilitator2, role=Membership.Role.FACILITATOR)


@pytest.mark.parametrize("who", ["facilitator_of_another_group", "org_admin", "professional", "safeguarding_lead"])
def test_anyone_but_the_groups_facilitators_gets_a_404(client, request, shared_plan, who):
    person = request.getfixturevalue(who)
    client.force_login(person)

    assert client.get(plan_url(shared_plan)).status_code == 404
    assert AccessEvent.objects.filter(kind="refused", actor=person).count() == 1


def test_a_plan_that_does_not_exist_is_a_404_and_anonymous_visitors_sign_in(client, shared_plan, facilitator):
    response = client.get(plan_url(shared_plan))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    client.force_login(facilitator)
    assert client.get(reverse("safeguarding:plan", args=[shared_plan.pk + 1000])).status_code == 404


# --- the person's own pages ------------------------------------------------------------------------------


def test_my_plan_page_writes_the_plan(client, parent):
    client.force_login(parent)
    page = client.get(reverse("safeguarding:my_plan")).content.decode()
    assert "What can upset me" in page and "taken into care" in page  # the gentle hint
    assert 'aria-describedby="id_upsets_me_helptext"' in page

    response = client.post(
        reverse("safeguarding:my_plan"),
        {"upsets_me": SECRET, "signs": "", "helps": "Tea", "contacts": "", "wishes": ""},
    )

    assert response.status_code == 302
    assert SafetyPlan.objects.get(person=parent).upsets_me == SECRET


def test_my_plan_with_too_long_an_answer_shows_the_error_and_keeps_the_input(client, parent):
    client.force_login(parent)
    response = client.post(
        reverse("safeguarding:my_plan"),
        {"upsets_me": "x" * 2001, "signs": "", "helps": "Kept text", "contacts": "", "wishes": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: My safety plan" in page
    assert "Kept text" in page
    assert not SafetyPlan.objects.exists()


def test_the_sharing_page_shares_and_stops(client, group_with_members, parent):
    write_plan(parent, helps="Tea")
    client.force_login(parent)
    url = reverse("safeguarding:plan_sharing")
    page = client.get(url).content.decode()
    assert "Share my plan with this group&#x27;s facilitators" in page
    assert group_with_members.name.replace("'", "&#x27;") in page

    client.post(url, {"groups": [group_with_members.pk]})
    assert SafetyPlanShare.objects.filter(group=group_with_members, stopped_at__isnull=True).exists()

    client.post(url, {})
    assert not SafetyPlanShare.objects.filter(stopped_at__isnull=True).exists()
    assert SafetyPlanShare.objects.count() == 1


def test_the_sharing_page_refuses_a_group_the_person_is_not_in(client, group_with_members, other_group, parent):
    write_plan(parent, helps="Tea")
    client.force_login(parent)
    response = client.post(reverse("safeguarding:plan_sharing"), {"groups": [other_group.pk]})
    assert response.status_code == 200
    assert "Error:" in response.content.decode()
    assert not SafetyPlanShare.objects.exists()


@pytest.mark.parametrize("name", ["my_plan", "plan_sharing"])
def test_own_pages_need_sign_in(client, name):
    response = client.get(reverse(f"safeguarding:{name}"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


# --- check-in markers ------------------------------------------------------------------------------------

START = datetime(2031, 3, 20, 10, 0, tzinfo=LONDON)


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


def _people(make_user, group, facilitator, n):
    """`n` members: the odd ones share a plan with the group; the first gives photo consent."""
    people = []
    for i in range(n):
        person = add_member(group, make_user(), facilitator)
        if i % 2:
            write_plan(person, helps="Tea")
            share_plan(person, group)
        people.append(person)
    consent_services.consent_record(
        person=people[0],
        organisation=group.organisation,
        acting_user=people[0],
        kind=ConsentKind.PHOTOS,
        given=True,
        how=ConsentHow.ONLINE,
    )
    return people


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_markers_say_plan_shared_and_no_photos(session, make_user, group_with_members, facilitator):
    people = _people(make_user, group_with_members, facilitator, 4)
    ids = [p.pk for p in people]

    markers = safeguarding_markers(request=_request(facilitator), session=session, person_ids=ids)

    plan_ids = dict(SafetyPlan.objects.values_list("person_id", "pk"))
    for i, person in enumerate(people):
        labels = [m.label for m in markers.get(person.pk, [])]
        assert (PLAN_LABEL in labels) == bool(i % 2)
        assert ("No photos" in labels) == (i != 0)
        if i % 2:
            [plan_marker] = [m for m in markers[person.pk] if m.label == PLAN_LABEL]
            assert plan_marker.short == "Plan"
            assert plan_marker.url == reverse("safeguarding:plan", args=[plan_ids[person.pk]])
    [no_photos] = [m for m in markers[people[1].pk] if m.label == "No photos"]
    assert no_photos.tone == "warning" and no_photos.short == "No photos"


def test_plan_markers_only_for_a_viewer_who_may_read_the_plan(session, make_user, group_with_members, org_admin):
    facilitator = group_with_members.memberships.get(user__email="facilitator@example.test").user
    people = _people(make_user, group_with_members, facilitator, 2)
    markers = safeguarding_markers(request=_request(org_admin), session=session, person_ids=[p.pk for p in people])
    assert all(m.label != PLAN_LABEL for ms in markers.values() for m in ms)
    assert [m.label for m in markers[people[1].pk]] == ["No photos"]  # the other markers still show


def test_markers_take_the_same_queries_for_2_and_12_people(session, make_user, group_with_members, facilitator):
    people = _people(make_user, group_with_members, facilitator, 12)
    forget_standing(facilitator)
    standing(facilitator)  # loaded once per request, before the screen asks for markers
    request = _request(facilitator)

    with CaptureQueriesContext(connection) as two:
        few = extensions.markers_for(request=request, session=session, person_ids=[p.pk for p in people[:2]])
    with CaptureQueriesContext(connection) as twelve:
        many = extensions.markers_for(request=request, session=session, person_ids=[p.pk for p in people])

    assert len(two) == len(twelve) == 1
    assert sum(1 for ms in many.values() for m in ms if m.label == PLAN_LABEL) == 6
    assert sum(1 for ms in few.values() for m in ms if m.label == PLAN_LABEL) == 1


def test_the_check_in_screen_shows_the_markers(client, session, make_user, group_with_members, facilitator):
    _people(make_user, group_with_members, facilitator, 2)
    client.force_login(facilitator)
    with time_machine.travel(START - timedelta(minutes=30), tick=False):
        client.force_login(facilitator)
        page = client.get(reverse("sessions_app:checkin_screen", args=[session.pk])).content.decode()
    assert PLAN_LABEL in page
    assert "No photos" in page


# --- hostile input ---------------------------------------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.sampled_from(["", " ", "\x00", "a\x00b", "\u202eevil", "😀" * 3, "{{ 7*7 }}", "<script>x</script>", "\r\n"]),
    st.text(max_size=40),
    st.builds(lambda piece, n: piece * n, st.sampled_from(["x", "😀", "a\n", "\x00"]), st.integers(1990, 2100)),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_plan_input_is_refused_kindly_or_saved_whole(client, parent, data):
    post = {name: data.draw(HOSTILE_TEXT, label=name) for name in PLAN_FIELDS}
    client.force_login(parent)
    before = safeguarding_rows()

    response = client.post(reverse("safeguarding:my_plan"), post)

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "There is a problem" in response.content.decode()
        assert safeguarding_rows() == before
    else:
        plan = SafetyPlan.objects.get(person=parent)
        for name in PLAN_FIELDS:
            assert (getattr(plan, name) or "") == post[name].strip()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=st.lists(st.one_of(st.text(max_size=12), st.integers(-(10**20), 10**20).map(str)), max_size=3))
def test_hostile_sharing_input_never_fails(client, group_with_members, parent, groups):
    if not SafetyPlan.objects.filter(person=parent).exists():
        write_plan(parent, helps="Tea")
    client.force_login(parent)
    before = safeguarding_rows()
    response = client.post(reverse("safeguarding:plan_sharing"), {"groups": groups})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert safeguarding_rows() == before


def test_the_home_page_shows_members_where_their_plan_consent_and_data_are(client, parent, group_with_members):
    from django.urls import reverse

    client.force_login(parent)
    page = client.get(reverse("home")).content.decode()
    for name in ("safeguarding:my_plan", "safeguarding:my_consent", "safeguarding:my_data"):
        assert reverse(name) in page, name
