"""The URL x role table (issue 9; pretix's test_permissions.py style): every URL pattern of the project against
every kind of person, in one table. The URL-coverage check (tests/url_coverage.py) counts this file, so a new
URL with no row here fails the run (`test_the_table_has_a_row_for_every_url_pattern` says which).

Outcomes: "ok" (the page: 200; or, for a page only posted to, 405; or a redirect that is not the sign-in page),
"login" (302 to sign in), 403 (inside the organisation, without the right), 404 (outside it, or not there).
Signed-in GET requests only: refused posts are tested beside each app's views.

The world is built once for the module (it is big) inside a transaction rolled back at the end. Its facilitator
who has left was removed from the organisation with `person_remove_from_organisation` while still holding
places and a follow-up (the receivers of `member_left` are not run here), so the standing alone must close every
page to them: they get a 404 on every page of the organisation.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from groups import services
from groups.models import Group, Membership, Organisation, StaffRole, User
from sessions_app import services as session_services
from sessions_app.models import Action, Answer, FollowUp, Session, SupportRequest
from tests.conftest import PASSWORD, give_two_step
from tests.sessions_app.factories import plan_session
from tests.url_coverage import project_patterns

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 6, 10, 9, 0, tzinfo=LONDON)
LOGIN = "/accounts/login/"
R = StaffRole.Role

ROLES = [
    "anonymous",
    "parent",
    "other_parent",  # a parent of another group of the same organisation
    "professional",
    "facilitator",
    "other_facilitator",  # a facilitator of another group of the same organisation
    "governance_lead",
    "safeguarding_lead",
    "finance_officer",
    "org_admin",
    "other_org_admin",  # an admin of another organisation
    "left_facilitator",  # removed from the organisation (person_remove_from_organisation)
]


def _person(email, name):
    return services.user_create(email=email, full_name=name, password=PASSWORD, verified=True)


def _build():
    """Bayside: the mothers' group (facilitator and the one who left facilitate it; a parent and a professional),
    the fathers' group (another facilitator, another parent), its staff; Hillside with its admin."""
    bayside = Organisation.objects.create(name="Bayside Partnership", slug="bayside")
    hillside = Organisation.objects.create(name="Hillside Partnership", slug="hillside")
    p = {role: _person(f"{role}@example.test", role.replace("_", " ").title()) for role in ROLES[1:]}
    for role, staff_role in [
        ("facilitator", R.FACILITATOR),
        ("other_facilitator", R.FACILITATOR),
        ("left_facilitator", R.FACILITATOR),
        ("governance_lead", R.GOVERNANCE_LEAD),
        ("safeguarding_lead", R.SAFEGUARDING_LEAD),
        ("finance_officer", R.FINANCE_OFFICER),
        ("org_admin", R.ADMIN),
    ]:
        services.staff_role_grant(organisation=bayside, user=p[role], role=staff_role)
    services.staff_role_grant(organisation=hillside, user=p["other_org_admin"], role=R.ADMIN)
    for role in ("safeguarding_lead", "finance_officer", "org_admin", "other_org_admin"):
        give_two_step(p[role])
    mothers = services.group_create(
        organisation=bayside, name="Mothers' group", kind=Group.Kind.COPRODUCTION, purpose="Mothers.",
        acting_user=p["facilitator"],
    )  # fmt: skip
    fathers = services.group_create(
        organisation=bayside, name="Fathers' group", kind=Group.Kind.COPRODUCTION, purpose="Dads.",
        acting_user=p["other_facilitator"],
    )  # fmt: skip
    services.group_create(
        organisation=hillside, name="Hillside parents", kind=Group.Kind.COPRODUCTION, purpose="Hill.",
        acting_user=p["other_org_admin"],
    )  # fmt: skip
    add = services.membership_add
    add(group=mothers, user=p["left_facilitator"], role=Membership.Role.FACILITATOR, acting_user=p["facilitator"])
    add(group=mothers, user=p["parent"], role=Membership.Role.PARENT, acting_user=p["facilitator"])
    add(group=mothers, user=p["professional"], role=Membership.Role.PROFESSIONAL, acting_user=p["facilitator"])
    add(group=fathers, user=p["other_parent"], role=Membership.Role.PARENT, acting_user=p["other_facilitator"])
    invitation = services.invitation_create(
        group=mothers, email="new@example.test", role=Membership.Role.PARENT, acting_user=p["facilitator"]
    )
    venue = session_services.venue_create(
        organisation=bayside, acting_user=p["org_admin"], name="Family Hub", address="1 Harbour Road"
    )
    online = {"format": Session.Format.ONLINE, "joining_link": "https://meet.example.test/m"}
    held = plan_session(mothers, p["left_facilitator"], p["facilitator"], starts_at=NOW - timedelta(days=3), **online)
    coming = plan_session(mothers, p["facilitator"], p["left_facilitator"], starts_at=NOW + timedelta(days=3), **online)
    material = session_services.preparation_add(
        session=coming,
        title="Plan",
        file=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf"),
        acting_user=p["facilitator"],
    )
    return bayside, mothers, invitation, venue, held, coming, material, p


def _act(traveller, bayside, held, coming, p):
    """What happened: the parent came to the held session and asked to talk (a follow-up for its lead, the one
    who later left), an action for the parent, a yes and a support request for the session to come."""
    traveller.move_to(held.starts_at + timedelta(minutes=5))
    session_services.checkin_record(session=held, person=p["parent"], acting_user=p["left_facilitator"])
    traveller.move_to(held.ends_at)
    session_services.checkout_record(
        session=held, person=p["parent"], acting_user=p["left_facilitator"], wants_to_talk=True
    )
    session_services.action_record(
        session=held, description="Ask the council.", owner=p["parent"], due_on=None, acting_user=p["facilitator"]
    )
    traveller.move_to(NOW)
    session_services.rsvp_answer(session=coming, user=p["parent"], answer=Answer.YES)
    session_services.support_request_create(
        session=coming, user=p["parent"], kind=SupportRequest.Kind.CHILDCARE, children_count=1
    )
    services.person_remove_from_organisation(
        organisation=bayside, person=p["left_facilitator"], acting_user=p["org_admin"]
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(NOW - timedelta(days=20), tick=False) as traveller:
        with transaction.atomic():
            bayside, mothers, invitation, venue, held, coming, material, people = _build()
            _act(traveller, bayside, held, coming, people)
            follow_up = FollowUp.objects.get(session=held)
            urls = {
                "organisation_id": bayside.pk,
                "group_id": mothers.pk,
                "invitation_id": invitation.pk,
                "venue_id": venue.pk,
                "user_id": people["governance_lead"].pk,
                "request_id": SupportRequest.objects.get(session=coming).pk,
                "follow_up_id": follow_up.pk,
                "action_id": Action.objects.get(session=held).pk,
                "material_id": material.pk,
                "token": "not-a-real-token",
                "kind": "childcare",
            }
            yield {"people": {k: v.pk for k, v in people.items()}, "args": urls, "held": held.pk, "coming": coming.pk}
            transaction.set_rollback(True)


# --- the table ------------------------------------------------------------------------------------------------

STAFF = {"facilitator", "other_facilitator", "governance_lead", "safeguarding_lead", "finance_officer", "org_admin"}
ORG = set(ROLES) - {"anonymous", "other_org_admin", "left_facilitator"}  # everyone inside the organisation
SIGNED_IN = set(ROLES) - {"anonymous"}
MANAGERS = {"facilitator", "org_admin"}  # who manage the mothers' group
MEMBERS = {"parent", "professional", "facilitator"}  # its current members
ELSEWHERE = {"other_org_admin"}  # pages of one's own work: another organisation's admin has their own


def row(ok, *, inside=ORG, session="coming"):
    """A row: who gets the page (`ok`); the rest of `inside` get a 403; signed-in people outside get a 404;
    anonymous people sign in. `session` says which session the URL's session_id is."""
    return {"ok": set(ok), "inside": set(inside), "session": session}


OPEN = {"ok": SIGNED_IN, "inside": SIGNED_IN, "session": "coming"}  # anyone signed in: their own things

TABLE = {
    "": OPEN,
    "healthz": {"ok": set(ROLES), "inside": set(ROLES), "session": "coming", "public": True},
    "profile/": OPEN,
    "profile/phone/": OPEN,
    "invitations/<str:token>/": {"ok": set(), "inside": set(), "session": "coming", "public": True, "refused": 410},
    "groups/": OPEN,
    "groups/new/": row({"facilitator", "other_facilitator", "org_admin"} | ELSEWHERE, inside=SIGNED_IN),
    "groups/<int:group_id>/": row(MEMBERS | STAFF),
    "groups/<int:group_id>/edit/": row(MANAGERS),
    # who is in a group: its members and those who run it (governance leads too, for a group with a parent quorum)
    "groups/<int:group_id>/members/": row(MEMBERS | MANAGERS),
    "groups/<int:group_id>/agreement/": row(MEMBERS | STAFF),
    "groups/<int:group_id>/agreement/edit/": row(MANAGERS),
    "groups/<int:group_id>/invite/": row(MANAGERS),
    "groups/<int:group_id>/invitations/<int:invitation_id>/cancel/": row(MANAGERS),
    "groups/<int:group_id>/leave/": row(MEMBERS),
    "organisations/<int:organisation_id>/audit/": row({"org_admin"}),
    "two-step-sign-in/": OPEN,
    "organisations/<int:organisation_id>/manage/": row({"org_admin"}),
    "organisations/<int:organisation_id>/staff/": row({"org_admin"}),
    "organisations/<int:organisation_id>/staff/invite/": row({"org_admin"}),
    "organisations/<int:organisation_id>/staff/<int:user_id>/": row({"org_admin"}),
    "organisations/<int:organisation_id>/staff/<int:user_id>/remove/": row({"org_admin"}),
    "groups/<int:group_id>/members/<int:user_id>/two-step-sign-in/": row({"org_admin"}),
    "groups/<int:group_id>/sessions/": row(MEMBERS | STAFF),
    "groups/<int:group_id>/sessions/new/": row(MANAGERS),
    "groups/<int:group_id>/glossary/": row(MEMBERS | STAFF),
    "sessions/<int:session_id>/edit/": row(MANAGERS),
    "sessions/<int:session_id>/publish/": row(MANAGERS),
    "sessions/<int:session_id>/cancel/": row(MANAGERS),
    "sessions/<int:session_id>/preparation/": row(MANAGERS),
    "sessions/<int:session_id>/withdraw/": row(MANAGERS),
    "sessions/<int:session_id>/step-in/": row(MANAGERS),
    "venues/": row({"facilitator", "other_facilitator", "org_admin"} | ELSEWHERE, inside=SIGNED_IN),
    "sessions/<int:session_id>/": row(MEMBERS | STAFF),
    "sessions/<int:session_id>/answer/": row(MEMBERS),
    "sessions/<int:session_id>/support/": row(MEMBERS),
    "sessions/support/<int:request_id>/withdraw/": row({"parent"}),
    "sessions/<int:session_id>/calendar.ics": row(MEMBERS | STAFF),
    "calendar/": OPEN,
    "calendar/<str:token>.ics": {"ok": set(), "inside": set(), "session": "coming", "public": True},
    "sessions/<int:session_id>/check-in/me/": row(MEMBERS),
    "sessions/<int:session_id>/preparation/<int:material_id>/file/": row(MEMBERS | MANAGERS),
    "sessions/<int:session_id>/check-in/": row(MANAGERS, session="held"),
    "sessions/<int:session_id>/check-in/undo/": row(MANAGERS, session="held"),
    "sessions/<int:session_id>/check-out/": row(MANAGERS, session="held"),
    "sessions/<int:session_id>/debrief/": row(MANAGERS, session="held"),
    "sessions/<int:session_id>/record/": row(MANAGERS, session="held"),
    "sessions/support/": row(MANAGERS | {"other_facilitator"} | ELSEWHERE, inside=SIGNED_IN),
    "sessions/support/<int:request_id>/decide/": row(MANAGERS),
    "sessions/<int:session_id>/support/person/<int:user_id>/decide/": row(MANAGERS),
    "sessions/follow-ups/": row(MANAGERS | {"other_facilitator"} | ELSEWHERE, inside=SIGNED_IN),
    "sessions/follow-ups/<int:follow_up_id>/close/": row(MANAGERS),
    "groups/<int:group_id>/timeline/": row(MEMBERS | STAFF),
    "actions/<int:action_id>/status/": row(MANAGERS | {"parent"}),
    "governance/": row({"governance_lead", "org_admin"} | ELSEWHERE, inside=SIGNED_IN),
    # governance leads: only meetings of groups with a parent quorum (the mothers' group has none)
    "sessions/<int:session_id>/quorum/": row(MANAGERS),
    # POST only; the mothers' group has no parent quorum, so it is a 403 to everyone inside
    "sessions/<int:session_id>/quorum/remind/": row(set()),
    "sessions/<int:session_id>/help/": row(MEMBERS),
    "sessions/<int:session_id>/help/check/": row(MEMBERS),
    "sessions/<int:session_id>/help/done/": row(MEMBERS),
    "sessions/<int:session_id>/help/restore/": row(MEMBERS),
    "sessions/<int:session_id>/help/<str:kind>/": row(MEMBERS),
    "sessions/<int:session_id>/cant-come/": row(MEMBERS),
    "sessions/<int:session_id>/messages/": row(MANAGERS),
    "a/<str:token>/": {"ok": set(), "inside": set(), "session": "coming", "public": True},
    "organisations/<int:organisation_id>/venues/": row({"org_admin"}),
    "organisations/<int:organisation_id>/venues/<int:venue_id>/edit/": row({"org_admin"}),
    "organisations/<int:organisation_id>/venues/<int:venue_id>/retire/": row({"org_admin"}),
    "organisations/<int:organisation_id>/reminders/": row({"org_admin"}),
}


def expected(route: str, role: str):
    entry = TABLE[route]
    if role in entry["ok"]:
        return "ok"
    if entry.get("public"):
        return entry.get("refused", 404)  # a made-up secret in the address: not found (or gone), for everyone
    if role == "anonymous":
        return "login"
    return 403 if role in entry["inside"] else 404


def outcome(response):
    if response.status_code == 302:
        return "login" if response["Location"].startswith(LOGIN) else "ok"
    if response.status_code in (200, 405):
        return "ok"
    return response.status_code


def url_of(route: str, world) -> str:
    args = {**world["args"], "session_id": world[TABLE[route]["session"]]}
    path = route
    for name, value in args.items():
        for converter in ("int", "str"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    assert "<" not in path, f"No argument for {route}"
    return "/" + path


def test_the_table_has_a_row_for_every_url_pattern():
    # payments' and safeguarding's pages have their own tables (tests/payments/test_permissions_payments.py,
    # tests/safeguarding/test_permissions_safeguarding.py), with their own roles
    routes = [p.route for p in project_patterns() if not p.route.startswith(("payments/", "safeguarding/"))]
    assert sorted(set(routes) - set(TABLE)) == [], "add a row to TABLE for each"
    assert sorted(set(TABLE) - set(routes)) == [], "remove the row of each URL pattern that is gone"


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role(world, role, db):
    client = Client()
    wrong = []
    with time_machine.travel(NOW, tick=False):
        if role != "anonymous":
            client.force_login(User.objects.get(pk=world["people"][role]))
        for route in TABLE:
            got = outcome(client.get(url_of(route, world)))
            if got != expected(route, role):
                wrong.append(f"{route}: got {got}, expected {expected(route, role)}")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


def test_the_facilitator_who_left_gets_404_on_every_page_of_the_organisation(world, db):
    """Every URL naming something of the organisation (a group, session, request, follow-up, action, venue, the
    organisation itself) is a 404 to them; the rest are their own pages, where they hold nothing."""
    client = Client()
    org_routes = [r for r in TABLE if "<int:" in r]
    with time_machine.travel(NOW, tick=False):
        client.force_login(User.objects.get(pk=world["people"]["left_facilitator"]))
        got = {route: client.get(url_of(route, world)).status_code for route in org_routes}
    assert {route: code for route, code in got.items() if code != 404} == {}
    assert len(org_routes) > 40
