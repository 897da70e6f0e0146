"""Safeguarding permissions, registered with the one policy in groups.permissions.

- A concern exists only for the organisation's safeguarding leads (who must have given their two-step code in
  the last 15 minutes: step-up) and for a person holding an open access grant to it (given by a lead, or taken
  in an emergency). To everyone else it is a 404, never a 403, and each refused attempt is in the access trail.
- Anyone signed in who belongs to an organisation may raise a concern there.
- A safety plan is read only by the facilitators of a group it is shared with, while it is shared.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from groups.models import Organisation
from groups.permissions import (
    PermissionMixin,
    R,
    _org_id,
    _signed_in,
    facilitated_group_ids,
    has_role,
    in_organisation,
    orgs_with_role,
    recent_second_step,
    redirect_to_second_step,
    register,
)

from .models import AccessGrant, Concern, ConcernPerson, SafetyPlan


def lead_org_ids(user) -> set[int]:
    return orgs_with_role(user, R.SAFEGUARDING_LEAD) if _signed_in(user) else set()


def is_lead(user, organisation_id: int) -> bool:
    return has_role(user, organisation_id, R.SAFEGUARDING_LEAD)


def has_open_grant(user, concern) -> bool:
    """An access grant to the concern that has not ended or expired, held by someone still in the organisation."""
    if not in_organisation(user, concern.organisation_id):
        return False
    now = timezone.now()
    return AccessGrant.objects.filter(
        concern=concern, person_id=user.pk, ended_at__isnull=True, expires_at__gt=now
    ).exists()


def _open_grant_q(user) -> Q:
    now = timezone.now()
    grants = AccessGrant.objects.filter(
        concern=OuterRef("pk"), person_id=user.pk, ended_at__isnull=True, expires_at__gt=now
    )
    return Q(Exists(grants))


# --- concerns ------------------------------------------------------------------------------------------------


def can_view_concern(user, concern) -> bool:
    return is_lead(user, concern.organisation_id) or has_open_grant(user, concern)


def concerns_viewable(user, queryset):
    return queryset.filter(Q(organisation_id__in=list(lead_org_ids(user))) | _open_grant_q(user))


def can_manage_concern(user, concern) -> bool:
    return is_lead(user, concern.organisation_id)


def concerns_managed(user, queryset):
    return queryset.filter(organisation_id__in=list(lead_org_ids(user)))


# Reading a concern (its page, chronology, documents, printable chronology): hidden, and every read and refusal
# in the access trail. The step-up for leads is applied by ConcernPermissionMixin (a person given access for a
# while may not use two-step sign-in).
register(
    "safeguarding.concern.view", can_view_concern, queryset=concerns_viewable, hide_existence=True, access_trail=True
)
# Changing one (triage, refer, close, edit, add to the chronology, add documents, give access): the leads.
register(
    "safeguarding.concern.manage",
    can_manage_concern,
    queryset=concerns_managed,
    hide_existence=True,
    step_up=True,
    access_trail=True,
)


def can_break_glass(user, concern) -> bool:
    """A facilitator of the organisation who raised the concern or is named on it, in an emergency."""
    if not has_role(user, concern.organisation_id, R.FACILITATOR, R.ADMIN):
        return False
    if concern.raised_by_id == user.pk:
        return True
    return ConcernPerson.objects.filter(concern=concern, person_id=user.pk).exists()


def concerns_openable_in_emergency(user, queryset):
    orgs = list(orgs_with_role(user, R.FACILITATOR, R.ADMIN)) if _signed_in(user) else []
    named = ConcernPerson.objects.filter(concern=OuterRef("pk"), person_id=user.pk)
    return queryset.filter(organisation_id__in=orgs).filter(Q(raised_by_id=user.pk) | Q(Exists(named)))


register(
    "safeguarding.concern.break_glass",
    can_break_glass,
    queryset=concerns_openable_in_emergency,
    hide_existence=True,
    access_trail=True,
)


# --- the organisation's safeguarding pages ---------------------------------------------------------------------


def can_lead(user, obj) -> bool:
    return is_lead(user, _org_id(obj))


def organisations_led(user, queryset):
    return queryset.filter(pk__in=list(lead_org_ids(user)))


def can_raise(user, obj) -> bool:
    return in_organisation(user, _org_id(obj))


def organisations_raisable(user, queryset):
    from groups.permissions import standing

    return queryset.filter(pk__in=list(standing(user).organisation_ids) if _signed_in(user) else [])


# The leads' list of concerns, grants to review, escalated follow-ups, records past their retention period.
register("safeguarding.lead", can_lead, queryset=organisations_led, step_up=True, access_trail=True)
register("safeguarding.raise", can_raise, queryset=organisations_raisable)


def can_record_consent(user, obj) -> bool:
    """Staff who meet people (facilitators, admins) record a consent given in person, on paper or by phone."""
    return has_role(user, _org_id(obj), R.FACILITATOR, R.ADMIN)


def organisations_recording_consent(user, queryset):
    return queryset.filter(pk__in=list(orgs_with_role(user, R.FACILITATOR, R.ADMIN)) if _signed_in(user) else [])


register("safeguarding.consent.record", can_record_consent, queryset=organisations_recording_consent)


# --- safety plans --------------------------------------------------------------------------------------------


def can_read_plan(user, plan) -> bool:
    """A facilitator of a group the plan is shared with now (its own person always may: their own page)."""
    if plan.person_id == user.pk:
        return True
    groups = facilitated_group_ids(user)
    return plan.shares.filter(stopped_at__isnull=True, group_id__in=list(groups)).exists()


def plans_readable(user, queryset):
    groups = list(facilitated_group_ids(user)) if _signed_in(user) else []
    return queryset.filter(
        Q(person_id=user.pk) | Q(shares__stopped_at__isnull=True, shares__group_id__in=groups)
    ).distinct()


register(
    "safeguarding.safety_plan.read", can_read_plan, queryset=plans_readable, hide_existence=True, access_trail=True
)


# --- view mixins ---------------------------------------------------------------------------------------------


class ConcernPermissionMixin(PermissionMixin):
    """Views on one concern (``concern_id``) declare ``permission``. A safeguarding lead must also have given
    their two-step code recently, whatever the permission (the grant holders need not)."""

    permission = "safeguarding.concern.view"

    def get_permission_object(self):
        try:
            self.concern = Concern.objects.select_related("organisation", "raised_by", "owner").get(
                pk=self.kwargs["concern_id"]
            )
        except Concern.DoesNotExist:
            raise Http404("Not found") from None
        return self.concern

    def check_permission(self, request) -> None:
        """Once per request: `dispatch` below checks first (to know whether a lead must step up), and the
        policy's own dispatch then finds it done."""
        if getattr(self, "_permission_checked", False):
            return
        super().check_permission(request)
        self._permission_checked = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.check_permission(request)
            concern = self.permission_object
            if is_lead(request.user, concern.organisation_id) and not recent_second_step(request):
                return redirect_to_second_step(request)
        return super().dispatch(request, *args, **kwargs)


class SafeguardingOrganisationMixin(PermissionMixin):
    """Views on an organisation's safeguarding (``organisation_id``) declare ``permission``."""

    permission = "safeguarding.lead"

    def get_permission_object(self):
        try:
            self.organisation = Organisation.objects.get(pk=self.kwargs["organisation_id"])
        except Organisation.DoesNotExist:
            raise Http404("Not found") from None
        return self.organisation

    def get_permission_organisation_id(self):
        return self.organisation.pk


class SafetyPlanPermissionMixin(PermissionMixin):
    permission = "safeguarding.safety_plan.read"

    def get_permission_object(self):
        try:
            self.plan = SafetyPlan.objects.select_related("person").get(pk=self.kwargs["plan_id"])
        except SafetyPlan.DoesNotExist:
            raise Http404("Not found") from None
        return self.plan

    def check_permission(self, request) -> None:
        """A plan belongs to a person, not an organisation: anyone who may not read it gets a 404, recorded."""
        from core.audit import access_record
        from groups.permissions import has_perm

        self.permission_object = self.get_permission_object()
        if not has_perm(request.user, self.permission, self.plan):
            access_record(
                kind="refused",
                actor=request.user,
                obj=self.plan,
                data={"permission": self.permission},
            )
            raise Http404("Not found")
