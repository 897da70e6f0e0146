"""The one permission policy (issue 9): each permission's predicate and queryset form agree for every role and
every object of a world with two organisations; and the policy's switches (hide existence, step-up, access
trail) do what they say through the one view mixin."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.views.generic import View

from core.models import AccessEvent
from groups import permissions, services
from groups.models import Group, Organisation, StaffRole
from groups.permissions import PermissionMixin, forget_standing, get_permission, register, registered
from payments.models import Claim, PaymentRun, Receipt
from safeguarding.models import AccessGrant, Concern, ConcernPerson, SafetyPlan, SafetyPlanShare
from sessions_app import services as session_services
from sessions_app.models import Action, Answer, CheckIn, FollowUp, Session, SupportRequest
from tests.payments.factories import make_claim
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 5, 12, 9, 0, tzinfo=LONDON)
ONLINE = {"format": Session.Format.ONLINE, "joining_link": "https://meet.example.test/g"}

# The model each family of permission names is about (the longest matching prefix of the name wins). A
# permission with a queryset form whose family is not here fails the agreement test: add its model.
MODELS = {
    "checkin": CheckIn,
    "group": Group,
    "organisation": Organisation,
    "session": Session,
    "follow_up": FollowUp,
    "action": Action,
    "support_request": SupportRequest,
    "payments.claim": Claim,
    "payments.receipt": Receipt,
    "payments.attendance": Session,
    "payments.finance": Organisation,
    "payments.run": PaymentRun,
    "payments.bank_details": Organisation,
    "payments.policy": Organisation,
    "payments.preference": Organisation,
    "payments.reports": Organisation,
    "safeguarding.concern": Concern,
    "safeguarding.lead": Organisation,
    "safeguarding.raise": Organisation,
    "safeguarding.consent": Organisation,
    "safeguarding.safety_plan": SafetyPlan,
}


@pytest.fixture
def world(
    group_with_members,
    other_group,
    outsider,
    organisation,
    other_organisation,
    facilitator,
    facilitator2,
    org_admin,
    governance_lead,
    parent,
    dad,
    make_user,
    grant,
):
    """Two organisations, every role, a draft, a session held (with a follow-up and an action), a session to
    come (with a support request), and a facilitator removed from the organisation who still holds places."""
    with time_machine.travel(NOW - timedelta(days=20), tick=False) as traveller:
        people = {
            "anonymous": None,
            "parent": parent,
            "other_parent": dad,
            "professional": group_with_members.memberships.get(role="professional").user,
            "facilitator": facilitator,
            "other_facilitator": facilitator2,
            "governance_lead": governance_lead,
            "safeguarding_lead": grant(make_user(), organisation, StaffRole.Role.SAFEGUARDING_LEAD),
            "finance_officer": grant(make_user(), organisation, StaffRole.Role.FINANCE_OFFICER),
            "org_admin": org_admin,
            "other_org_admin": grant(make_user(), other_organisation, StaffRole.Role.ADMIN),
        }
        leaver = grant(make_user(), organisation, StaffRole.Role.FACILITATOR)
        services.membership_add(group=group_with_members, user=leaver, role="facilitator", acting_user=facilitator)
        held = plan_session(group_with_members, leaver, facilitator, starts_at=NOW - timedelta(days=3), **ONLINE)
        future = plan_session(group_with_members, facilitator, leaver, starts_at=NOW + timedelta(days=3), **ONLINE)
        plan_session(
            group_with_members, facilitator, facilitator2, starts_at=NOW + timedelta(days=5), publish=False, **ONLINE
        )
        plan_session(other_group, facilitator2, None, starts_at=NOW + timedelta(days=4), publish=False, **ONLINE)
        [hill] = Group.objects.filter(organisation=other_organisation)
        plan_session(hill, outsider, None, starts_at=NOW + timedelta(days=4), publish=False, **ONLINE)
        traveller.move_to(NOW - timedelta(days=3, minutes=-5))
        session_services.checkin_record(session=held, person=parent, acting_user=leaver)
        traveller.move_to(NOW - timedelta(days=3, hours=-2))
        session_services.checkout_record(session=held, person=parent, acting_user=leaver, wants_to_talk=True)
        session_services.action_record(
            session=held, description="Ask the council.", owner=parent, due_on=None, acting_user=leaver
        )
        traveller.move_to(NOW)
        session_services.rsvp_answer(session=future, user=parent, answer=Answer.YES)
        session_services.support_request_create(
            session=future, user=parent, kind=SupportRequest.Kind.CHILDCARE, children_count=1
        )
        _money_and_safety(held, parent, dad, facilitator, people["finance_officer"], org_admin, group_with_members)
        # removed from the organisation: receivers are not run, so their places and follow-up stay as they were
        services.person_remove_from_organisation(organisation=organisation, person=leaver, acting_user=org_admin)
        people["left_facilitator"] = leaver
        yield people


def _money_and_safety(held, parent, dad, facilitator, finance_officer, org_admin, group):
    """A claim with a receipt and a run (payments); a concern naming the parent with a grant to the admin, and the
    parent's safety plan shared with the group (safeguarding)."""
    claim = make_claim(held, parent, travel_pence=300)
    Receipt.objects.create(
        line=claim.lines.get(kind="travel"), file="receipts/t.pdf", content_type="application/pdf", size=1,
        uploaded_by=parent,
    )  # fmt: skip
    PaymentRun.objects.create(organisation=claim.organisation, created_by=finance_officer)
    concern = Concern.objects.create(organisation=claim.organisation, raised_by=facilitator, what_happened="Worry.")
    ConcernPerson.objects.create(concern=concern, person=parent)
    AccessGrant.objects.create(
        concern=concern, person=org_admin, kind="granted", reason="Cover.", granted_by=facilitator,
        expires_at=held.starts_at + timedelta(days=30),
    )  # fmt: skip
    plan = SafetyPlan.objects.create(person=parent, helps="A walk.")
    SafetyPlanShare.objects.create(plan=plan, group=group)
    SafetyPlan.objects.create(person=dad, helps="Tea.")


def _model_for(name: str):
    parts = name.split(".")
    for size in range(len(parts), 0, -1):
        family = ".".join(parts[:size])
        if family in MODELS:
            return MODELS[family]
    raise AssertionError(f"Permission {name!r}: add the model of its family to MODELS in tests/test_policy.py")


def test_every_permission_with_a_queryset_agrees_with_its_predicate_for_every_role(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    with_queryset = {name: entry for name, entry in registered().items() if entry.queryset is not None}
    assert {"group.view", "group.manage", "session.view", "session.run", "follow_up.close"} <= set(with_queryset)
    disagreements = []
    for role, person in world.items():
        user = django_user_model.objects.get(pk=person.pk) if person else AnonymousUser()
        for name in sorted(with_queryset):
            model = _model_for(name)
            listed = set(permissions.visible(user, name, model.objects.all()).values_list("pk", flat=True))
            for obj in model.objects.all():
                if permissions.has_perm(user, name, obj) != (obj.pk in listed):
                    disagreements.append(f"{role} {name} {model.__name__}#{obj.pk}")
    assert disagreements == []


def test_the_policy_says_it_all_in_one_place():
    entry = get_permission("group.manage")
    assert entry.predicate is permissions.can_manage_group and entry.queryset is permissions.groups_managed
    assert (entry.hide_existence, entry.step_up, entry.access_trail) == (False, False, False)
    with pytest.raises(ValueError):
        register("group.manage", permissions.can_view_group)  # one entry per name
    with pytest.raises(LookupError):
        get_permission("no.such")


# --- the switches, through the one mixin ---------------------------------------------------------------------


@pytest.fixture
def test_permissions():
    names = []

    def add(name, **switches):
        names.append(name)
        register(name, permissions.can_manage_group, **switches)

    yield add
    for name in names:
        permissions._REGISTRY.pop(name, None)


def _view(name):
    class GroupPage(PermissionMixin, View):
        permission = name

        def get_permission_object(self):
            return Group.objects.get(pk=self.kwargs["group_id"])

        def get(self, request, *args, **kwargs):
            return HttpResponse("the page")

    return GroupPage.as_view()


def _get(user, view, group):
    request = RequestFactory().get(f"/test/{group.pk}/")
    request.user = user
    request.session = SessionStore()
    forget_standing(user)
    return request, (lambda: view(request, group_id=group.pk))


def test_hide_existence_makes_a_refusal_inside_the_organisation_a_404(test_permissions, group_with_members, parent):
    test_permissions("test.plain")
    test_permissions("test.hidden", hide_existence=True)
    _, call = _get(parent, _view("test.plain"), group_with_members)
    with pytest.raises(PermissionDenied):
        call()
    _, call = _get(parent, _view("test.hidden"), group_with_members)
    with pytest.raises(Http404):
        call()


def test_step_up_asks_for_a_recent_second_step(test_permissions, group_with_members, facilitator, settings):
    from allauth.account.internal.flows.login import record_authentication

    settings.STEP_UP_SECONDS = 900
    test_permissions("test.step_up", step_up=True)
    request, call = _get(facilitator, _view("test.step_up"), group_with_members)
    response = call()
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_reauthenticate"))
    record_authentication(request, facilitator, "password")  # a password alone is not a second step
    assert call().status_code == 302
    record_authentication(request, facilitator, "mfa", type="totp")
    assert call().status_code == 200
    records = request.session["account_authentication_methods"]
    records[-1]["at"] -= 901  # the code was given more than STEP_UP_SECONDS ago
    assert call().status_code == 302


def test_access_trail_records_reads_and_refusals(test_permissions, group_with_members, facilitator, parent):
    test_permissions("test.trail", access_trail=True)
    _, call = _get(facilitator, _view("test.trail"), group_with_members)
    assert call().status_code == 200
    _, call = _get(parent, _view("test.trail"), group_with_members)
    with pytest.raises(PermissionDenied):
        call()
    kinds = list(AccessEvent.objects.order_by("pk").values_list("kind", "actor_id", "object_id"))
    assert kinds == [
        ("view", facilitator.pk, str(group_with_members.pk)),
        ("refused", parent.pk, str(group_with_members.pk)),
    ]
