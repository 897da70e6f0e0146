"""Every safeguarding URL against every kind of person (issue 13), in the style of
tests/test_permissions_table.py, whose row check counts the rows here too.

A concern does not exist for anyone but the organisation's safeguarding leads (404, never 403), and a lead must
have given their two-step code in the last 15 minutes (else allauth's "enter your code again" page: "step_up").
Every refusal of a concern page is in the access trail. A safety plan opens only to its person and the
facilitators of a group it is shared with.

Outcomes and the table machinery: tests/permission_tables.py. Signed-in GET requests; refused posts are tested
beside each area's views.
"""

import pytest
from django.db import transaction

from core.models import AccessEvent
from groups import services
from groups.models import Group, Membership, Organisation, StaffRole
from safeguarding.models import (
    AccessGrant,
    ChronologyEntry,
    Concern,
    ConcernDocument,
    ConcernPerson,
    SafetyPlan,
    SafetyPlanShare,
)
from tests.conftest import PASSWORD, give_two_step
from tests.permission_tables import client_for as shared_client_for
from tests.permission_tables import expected, last_access_event_pk, routes_without_rows, url_of, wrong_answers
from tests.permission_tables import row as shared_row
from tests.sessions_app.factories import plan_session

R = StaffRole.Role

ROLES = [
    "anonymous",
    "parent",  # a member of the mothers' group, with a safety plan shared with it
    "professional",
    "facilitator",  # facilitates the mothers' group; raised the concern
    "facilitator2",  # facilitates the mothers' group too (supports its session)
    "other_facilitator",  # facilitates the fathers' group
    "governance_lead",
    "finance_officer",
    "org_admin",
    "lead",  # the organisation's safeguarding lead, no code given recently
    "lead_stepped",  # a safeguarding lead who has just given their code
    "other_org_lead",  # another organisation's safeguarding lead, with a recent code
]


def _person(email, name):
    return services.user_create(email=email, full_name=name, password=PASSWORD, verified=True)


def _build():
    from datetime import timedelta

    from django.utils import timezone

    bayside = Organisation.objects.create(name="Bayside Partnership", slug="bayside")
    hillside = Organisation.objects.create(name="Hillside Partnership", slug="hillside")
    p = {role: _person(f"{role}@example.test", role.replace("_", " ").title()) for role in ROLES[1:]}
    for role, staff_role in [
        ("facilitator", R.FACILITATOR),
        ("facilitator2", R.FACILITATOR),
        ("other_facilitator", R.FACILITATOR),
        ("governance_lead", R.GOVERNANCE_LEAD),
        ("finance_officer", R.FINANCE_OFFICER),
        ("org_admin", R.ADMIN),
        ("lead", R.SAFEGUARDING_LEAD),
        ("lead_stepped", R.SAFEGUARDING_LEAD),
    ]:
        services.staff_role_grant(organisation=bayside, user=p[role], role=staff_role)
    services.staff_role_grant(organisation=hillside, user=p["other_org_lead"], role=R.SAFEGUARDING_LEAD)
    for role in ("finance_officer", "org_admin", "lead", "lead_stepped", "other_org_lead"):
        give_two_step(p[role])
    mothers = services.group_create(
        organisation=bayside, name="Mothers' group", kind=Group.Kind.COPRODUCTION, purpose="Mothers.",
        acting_user=p["facilitator"],
    )  # fmt: skip
    services.group_create(
        organisation=bayside, name="Fathers' group", kind=Group.Kind.COPRODUCTION, purpose="Dads.",
        acting_user=p["other_facilitator"],
    )  # fmt: skip
    add = services.membership_add
    add(group=mothers, user=p["facilitator2"], role=Membership.Role.FACILITATOR, acting_user=p["facilitator"])
    add(group=mothers, user=p["parent"], role=Membership.Role.PARENT, acting_user=p["facilitator"])
    add(group=mothers, user=p["professional"], role=Membership.Role.PROFESSIONAL, acting_user=p["facilitator"])
    online = {"format": "online", "joining_link": "https://meet.example.test/m"}
    session = plan_session(
        mothers, p["facilitator"], p["facilitator2"], starts_at=timezone.now() + timedelta(days=3), **online
    )

    concern = Concern.objects.create(
        organisation=bayside, raised_by=p["facilitator"], what_happened="Something worrying.", session=session
    )
    ConcernPerson.objects.create(concern=concern, person=p["parent"])
    ChronologyEntry.objects.create(concern=concern, kind="raised", recorded_by=p["facilitator"])
    document = ConcernDocument.objects.create(
        concern=concern, title="Notes", content="JVBERi0xLjQ=", content_type="application/pdf", size=8,
        added_by=p["lead"],
    )  # fmt: skip
    grant = AccessGrant.objects.create(
        concern=concern, person=p["org_admin"], kind="granted", reason="Covering.", granted_by=p["lead"],
        expires_at=timezone.now() + timedelta(days=5), ended_at=timezone.now(),
    )  # fmt: skip
    plan = SafetyPlan.objects.create(person=p["parent"], helps="A walk outside.")
    SafetyPlanShare.objects.create(plan=plan, group=mothers)
    return bayside, session, concern, document, grant, plan, p


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            bayside, session, concern, document, grant, plan, people = _build()
            args = {
                "organisation_id": bayside.pk,
                "session_id": session.pk,
                "concern_id": concern.pk,
                "document_id": document.pk,
                "grant_id": grant.pk,
                "plan_id": plan.pk,
                "person_id": people["parent"].pk,
            }
            yield {"people": {k: v.pk for k, v in people.items()}, "args": args}
            transaction.set_rollback(True)


# --- the table ------------------------------------------------------------------------------------------------

INSIDE = set(ROLES) - {"anonymous", "other_org_lead"}
SIGNED_IN = set(ROLES) - {"anonymous"}


def row(ok, *, inside=INSIDE, hidden=False, step_up=frozenset()):
    return shared_row(ok, inside=inside, hidden=hidden, step_up=step_up)


OWN = {"ok": SIGNED_IN, "inside": SIGNED_IN, "step_up": set()}
LEAD = row({"lead_stepped"}, step_up={"lead"})  # the organisation's safeguarding pages
RECORD = row({"lead_stepped"}, step_up={"lead"}, hidden=True)  # one concern

TABLE = {
    "safeguarding/raise/": OWN,
    "safeguarding/raise/session/<int:session_id>/": row(INSIDE),  # everyone who can see the session
    "safeguarding/organisations/<int:organisation_id>/concerns/": LEAD,
    "safeguarding/concerns/<int:concern_id>/": RECORD,
    "safeguarding/concerns/<int:concern_id>/triage/": RECORD,
    "safeguarding/concerns/<int:concern_id>/refer/": RECORD,
    "safeguarding/concerns/<int:concern_id>/close/": RECORD,
    "safeguarding/concerns/<int:concern_id>/edit/": RECORD,
    "safeguarding/concerns/<int:concern_id>/entries/new/": RECORD,
    "safeguarding/concerns/<int:concern_id>/documents/new/": RECORD,
    "safeguarding/concerns/<int:concern_id>/documents/<int:document_id>/": RECORD,
    "safeguarding/concerns/<int:concern_id>/print/": RECORD,
    "safeguarding/concerns/<int:concern_id>/grants/new/": RECORD,
    "safeguarding/concerns/<int:concern_id>/grants/<int:grant_id>/end/": RECORD,
    # the facilitator who raised it, in an emergency
    "safeguarding/concerns/<int:concern_id>/break-glass/": row({"facilitator"}, hidden=True),
    "safeguarding/my-safety-plan/": OWN,
    "safeguarding/my-safety-plan/sharing/": OWN,
    # its person, and the facilitators of the group it is shared with
    "safeguarding/safety-plans/<int:plan_id>/": row({"parent", "facilitator", "facilitator2"}, hidden=True),
    "safeguarding/my-consent/": OWN,
    "safeguarding/organisations/<int:organisation_id>/people/<int:person_id>/consent/": row(
        {"facilitator", "facilitator2", "other_facilitator", "org_admin"}
    ),
    "safeguarding/sessions/<int:session_id>/duty/": row({"facilitator", "facilitator2", "org_admin"}),
    "safeguarding/my-data/": OWN,
    "safeguarding/my-data.json": OWN,
    "safeguarding/organisations/<int:organisation_id>/retention/": LEAD,
    "safeguarding/organisations/<int:organisation_id>/retention/review/": LEAD,
}


def client_for(role: str, world):
    return shared_client_for(role, world, stepped_up=("lead_stepped", "other_org_lead"))


def test_every_safeguarding_route_has_a_row():
    missing, gone = routes_without_rows(TABLE, "safeguarding/")
    assert missing == [], "add a row to TABLE for each"
    assert gone == [], "remove the row of each URL pattern that is gone"


@pytest.mark.parametrize("role", ROLES)
def test_every_safeguarding_url_answers_each_role(world, role, db):
    wrong = wrong_answers(TABLE, client_for(role, world), role, world)
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


# Every page of a safeguarding record or of the leads' work: each refusal is in the access trail.
RESTRICTED_PAGES = [r for r, entry in TABLE.items() if entry is RECORD or entry is LEAD] + [
    "safeguarding/safety-plans/<int:plan_id>/",
    "safeguarding/concerns/<int:concern_id>/break-glass/",
]


@pytest.mark.parametrize(
    "role", ["parent", "professional", "other_facilitator", "governance_lead", "finance_officer", "org_admin"]
)
def test_every_refused_safeguarding_page_is_in_the_access_trail(world, role, db):
    client = client_for(role, world)
    refused_pages = [r for r in RESTRICTED_PAGES if expected(TABLE[r], role) in (403, 404)]
    assert len(refused_pages) >= 15
    for route in refused_pages:
        mark = last_access_event_pk()
        assert client.get(url_of(route, world)).status_code in (403, 404), route
        refused = AccessEvent.objects.filter(pk__gt=mark)
        assert [(e.kind, e.actor_id) for e in refused] == [("refused", world["people"][role])], route


def test_another_organisations_lead_is_refused_and_recorded(world, db):
    client = client_for("other_org_lead", world)
    for route in RESTRICTED_PAGES:
        mark = last_access_event_pk()
        assert client.get(url_of(route, world)).status_code == 404, route
        refused = AccessEvent.objects.filter(pk__gt=mark)
        assert [e.kind for e in refused] == ["refused"], route


def test_a_lead_reading_a_concern_is_in_the_access_trail(world, db):
    client = client_for("lead_stepped", world)
    for route, kind in [
        ("safeguarding/concerns/<int:concern_id>/", "view"),
        ("safeguarding/concerns/<int:concern_id>/print/", "print"),
        ("safeguarding/concerns/<int:concern_id>/documents/<int:document_id>/", "download"),
    ]:
        mark = last_access_event_pk()
        response = client.get(url_of(route, world))
        assert response.status_code == 200, route
        kinds = [e.kind for e in AccessEvent.objects.filter(pk__gt=mark, actor_id=world["people"]["lead_stepped"])]
        assert kind in kinds, route
        assert kinds == [kind], route  # once, as what it was
