"""Session permissions, registered with the one policy in groups.permissions.

Every permission that rests on a place as session facilitator also rests on a current standing in the group
(an active facilitator membership of it, or the organisation admin role): when someone leaves the group or the
organisation, the check-in screen, feelings, follow-ups and debrief close to them at once, whatever places they
held. Each permission that lists things has a queryset form, so the list pages and selectors use the same rule.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from groups.models import Membership
from groups.permissions import (
    PermissionMixin,
    R,
    can_manage_group,
    can_view_group,
    facilitated_group_ids,
    has_perm,
    has_role,
    managed_groups_q,
    membership_in,
    orgs_with_role,
    register,
    standing,
    visible_groups_q,
)

from .models import FacilitatorRole, FollowUp, Session, SessionFacilitator, SupportRequest


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def facilitator_member_group_ids(user) -> set[int]:
    """Groups where the person holds an active facilitator membership (from their standing: no query)."""
    if not _signed_in(user):
        return set()
    return {gid for gid, m in standing(user).memberships.items() if m.role == Membership.Role.FACILITATOR}


def stands_in_group(user, group) -> bool:
    """A current standing for running a group's sessions: an active facilitator membership of the group, or
    the organisation admin role."""
    m = membership_in(user, group.pk)
    return (m is not None and m.role == Membership.Role.FACILITATOR) or has_role(user, group.organisation_id, R.ADMIN)


def _standing_q(user, prefix: str = "") -> Q:
    """The queryset form of `stands_in_group` for records whose group is at `prefix`."""
    return Q(**{f"{prefix}group_id__in": list(facilitator_member_group_ids(user))}) | Q(
        **{f"{prefix}group__organisation_id__in": list(orgs_with_role(user, R.ADMIN))}
    )


def _session_facilitator(user, session, role=None) -> bool:
    """An active place as (lead, when `role` says so) facilitator of the session, held by someone who still
    stands in the group."""
    if not stands_in_group(user, session.group):
        return False
    places = getattr(session, "_active_facilitator_places", None)
    if places is None:
        places = list(session.facilitators.filter(withdrawn_at__isnull=True).values_list("user_id", "role"))
        session._active_facilitator_places = places
    return any(uid == user.pk and (role is None or r == role) for uid, r in places)


def _place_q(user, role=None) -> Q:
    places = SessionFacilitator.objects.filter(session=OuterRef("pk"), user_id=user.pk, withdrawn_at__isnull=True)
    if role is not None:
        places = places.filter(role=role)
    return Q(Exists(places)) & _standing_q(user)


def can_view_session(user, session) -> bool:
    """Members and organisation staff see published and cancelled sessions; drafts only those who manage."""
    if session.status == Session.Status.DRAFT:
        return can_manage_group(user, session.group)
    return can_view_group(user, session.group)


def sessions_viewable(user, queryset):
    return queryset.filter(
        (visible_groups_q(user, "group__") & ~Q(status=Session.Status.DRAFT)) | managed_groups_q(user, "group__")
    )


def can_manage_session(user, session) -> bool:
    return can_manage_group(user, session.group)


def sessions_managed(user, queryset):
    return queryset.filter(managed_groups_q(user, "group__"))


def can_answer(user, session) -> bool:
    return membership_in(user, session.group_id) is not None and session.status != Session.Status.DRAFT


def sessions_answerable(user, queryset):
    return queryset.filter(group_id__in=list(standing(user).memberships)).exclude(status=Session.Status.DRAFT)


def can_run_session(user, session) -> bool:
    """The check-in screen, feelings and follow-ups: the session's own facilitators (while they stand in the
    group) and the group's managers."""
    return _session_facilitator(user, session) or can_manage_group(user, session.group)


def sessions_run(user, queryset):
    return queryset.filter(_place_q(user) | managed_groups_q(user, "group__"))


def can_debrief(user, session) -> bool:
    """The lead facilitator (while they stand in the group) records the debrief; the organisation admin can
    stand in."""
    return _session_facilitator(user, session, FacilitatorRole.LEAD) or has_role(
        user, session.group.organisation_id, R.ADMIN
    )


def sessions_debriefed(user, queryset):
    return queryset.filter(
        _place_q(user, FacilitatorRole.LEAD) | Q(group__organisation_id__in=list(orgs_with_role(user, R.ADMIN)))
    )


def can_read_preparation(user, session) -> bool:
    """Preparation files are for the people at the table: the group's members and those who run it; other
    staff roles see that a session exists, not its papers."""
    if session.status == Session.Status.DRAFT:
        return can_manage_group(user, session.group)
    return membership_in(user, session.group_id) is not None or can_manage_group(user, session.group)


def sessions_with_readable_preparation(user, queryset):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    members = Q(group_id__in=list(standing(user).memberships)) & ~Q(status=Session.Status.DRAFT)
    return queryset.filter(members | managed_groups_q(user, "group__"))


register("session.view", can_view_session, queryset=sessions_viewable)
register("session.preparation", can_read_preparation, queryset=sessions_with_readable_preparation)
register("session.manage", can_manage_session, queryset=sessions_managed)
register("session.answer", can_answer, queryset=sessions_answerable)
register("session.run", can_run_session, queryset=sessions_run)
register("session.debrief", can_debrief, queryset=sessions_debriefed)


class SessionPermissionMixin(PermissionMixin):
    """Views on one session declare ``permission``; the session comes from the ``session_id`` URL argument."""

    permission = "session.view"

    def get_permission_object(self):
        try:
            self.session = Session.objects.select_related("group", "group__organisation", "venue").get(
                pk=self.kwargs["session_id"]
            )
        except Session.DoesNotExist:
            raise Http404("Not found") from None
        self.group = self.session.group
        return self.session

    def get_permission_organisation_id(self):
        return self.session.group.organisation_id

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            session=self.session,
            group=self.group,
            can_manage=has_perm(user, "session.manage", self.session),
            can_run=has_perm(user, "session.run", self.session),
            can_debrief=has_perm(user, "session.debrief", self.session),
        )
        return ctx


class SessionObjectPermissionMixin(PermissionMixin):
    """Views on one thing that belongs to a session (a support request, a follow-up, an action).
    ``get_permission_object`` loads it, sets ``self.session`` and returns what the permission is checked on;
    the organisation is the session's group's, so another organisation's thing is a 404."""

    def get_permission_organisation_id(self):
        return self.session.group.organisation_id


def can_close_follow_up(user, follow_up) -> bool:
    """The facilitator a follow-up is assigned to (while they facilitate the group), or anyone who manages the
    session's group. Follow-ups carry phone numbers and feelings: to anyone else they do not exist."""
    group = follow_up.session.group
    mine = follow_up.assigned_to_id == user.pk and group.pk in facilitator_member_group_ids(user)
    return mine or can_manage_group(user, group)


def follow_ups_closable(user, queryset):
    return queryset.filter(
        Q(assigned_to_id=user.pk, session__group_id__in=list(facilitator_member_group_ids(user)))
        | managed_groups_q(user, "session__group__")
    )


def can_update_action(user, action) -> bool:
    """The person doing an action keeps its status up to date, as can anyone who manages the group."""
    return action.owner_id == user.pk or can_manage_session(user, action.session)


def actions_updatable(user, queryset):
    return queryset.filter(Q(owner_id=user.pk) | managed_groups_q(user, "session__group__"))


def can_decide_support(user, support_request) -> bool:
    return can_manage_session(user, support_request.session)


def support_requests_decidable(user, queryset):
    return queryset.filter(managed_groups_q(user, "session__group__"))


register("follow_up.close", can_close_follow_up, queryset=follow_ups_closable)
register("action.update", can_update_action, queryset=actions_updatable)
register("support_request.decide", can_decide_support, queryset=support_requests_decidable)


# --- pages that list a person's own work (no one object: a refusal is a 403) --------------------------------


def can_see_follow_up_queue(user, _obj=None) -> bool:
    """Current facilitators of a group and organisation admins (nobody whose standing has ended)."""
    return bool(facilitator_member_group_ids(user)) or bool(orgs_with_role(user, R.ADMIN))


def can_see_support_queue(user, _obj=None) -> bool:
    """Those who manage at least one group."""
    if facilitated_group_ids(user):
        return True
    from groups.models import Group

    return Group.objects.filter(organisation_id__in=list(orgs_with_role(user, R.ADMIN))).exists()


def can_keep_venues(user, _obj=None) -> bool:
    """Organisation admins and facilitators see their organisations' venues and add new ones."""
    return bool(orgs_with_role(user, R.ADMIN, R.FACILITATOR))


def can_see_governance_dashboard(user, _obj=None) -> bool:
    """Governance leads and organisation admins, of at least one organisation."""
    return bool(orgs_with_role(user, R.GOVERNANCE_LEAD, R.ADMIN))


register("follow_up.queue", can_see_follow_up_queue)
register("support_request.queue", can_see_support_queue)
register("venue.list", can_keep_venues)


def can_add_venue(user, organisation) -> bool:
    """An organisation's admins and facilitators add its venues."""
    return has_role(user, organisation.pk, R.ADMIN, R.FACILITATOR)


def organisations_adding_venues(user, queryset):
    return queryset.filter(pk__in=list(orgs_with_role(user, R.ADMIN, R.FACILITATOR)))


register("organisation.add_venue", can_add_venue, queryset=organisations_adding_venues)
register("governance.dashboard", can_see_governance_dashboard)


def can_withdraw_support_request(user, support_request) -> bool:
    """Only the person who asked withdraws their request."""
    return support_request.user_id == user.pk


def support_requests_withdrawable(user, queryset):
    return queryset.filter(user_id=user.pk)


register("support_request.withdraw", can_withdraw_support_request, queryset=support_requests_withdrawable)


def can_oversee_governance(user, organisation) -> bool:
    """Governance leads and organisation admins watch parent quorum across the organisation's committees."""
    return has_role(user, organisation.pk, R.GOVERNANCE_LEAD, R.ADMIN)


def organisations_overseen(user, queryset):
    return queryset.filter(pk__in=list(orgs_with_role(user, R.GOVERNANCE_LEAD, R.ADMIN)))


def can_see_session_governance(user, session) -> bool:
    """A meeting's quorum record and message log: whoever manages the group and organisation admins, any
    session; governance leads only the published (or cancelled) meetings of groups with a parent quorum, the
    meetings they oversee, never drafts nor other groups' sessions."""
    if can_manage_session(user, session) or has_role(user, session.group.organisation_id, R.ADMIN):
        return True
    return (
        session.status != Session.Status.DRAFT
        and session.group.parent_quorum > 0
        and has_role(user, session.group.organisation_id, R.GOVERNANCE_LEAD)
    )


def sessions_governance(user, queryset):
    overseen = (
        Q(group__organisation_id__in=list(orgs_with_role(user, R.GOVERNANCE_LEAD)))
        & ~Q(status=Session.Status.DRAFT)
        & Q(group__parent_quorum__gt=0)
    )
    return queryset.filter(
        managed_groups_q(user, "group__") | Q(group__organisation_id__in=list(orgs_with_role(user, R.ADMIN))) | overseen
    )


register("organisation.governance", can_oversee_governance, queryset=organisations_overseen)
register("session.governance", can_see_session_governance, queryset=sessions_governance)

# --- the role homes: what each staff role watches across its organisation ---------------------------------


def can_oversee_follow_up(user, follow_up) -> bool:
    """Safeguarding leads watch every follow-up of their organisation (overdue ones are escalated to them)."""
    return has_role(user, follow_up.session.group.organisation_id, R.SAFEGUARDING_LEAD)


def follow_ups_overseen(user, queryset):
    return queryset.filter(session__group__organisation_id__in=list(orgs_with_role(user, R.SAFEGUARDING_LEAD)))


def can_oversee_checkin(user, checkin) -> bool:
    """Safeguarding leads see who left their organisation's sessions feeling low."""
    return has_role(user, checkin.session.group.organisation_id, R.SAFEGUARDING_LEAD)


def checkins_overseen(user, queryset):
    return queryset.filter(session__group__organisation_id__in=list(orgs_with_role(user, R.SAFEGUARDING_LEAD)))


def can_see_support_to_pay(user, support_request) -> bool:
    """Finance officers read the approved support of their organisation, to pay it; they decide nothing."""
    return support_request.status == SupportRequest.Status.APPROVED and has_role(
        user, support_request.session.group.organisation_id, R.FINANCE_OFFICER
    )


def support_requests_to_pay(user, queryset):
    return queryset.filter(
        status=SupportRequest.Status.APPROVED,
        session__group__organisation_id__in=list(orgs_with_role(user, R.FINANCE_OFFICER)),
    )


def can_remind_for_quorum(user, session) -> bool:
    """Governance leads and organisation admins remind the parents who have not answered, for a published
    meeting of a group with a parent quorum."""
    return (
        session.status != Session.Status.DRAFT
        and session.group.parent_quorum > 0
        and has_role(user, session.group.organisation_id, R.GOVERNANCE_LEAD, R.ADMIN)
    )


def sessions_remindable_for_quorum(user, queryset):
    return queryset.filter(
        group__organisation_id__in=list(orgs_with_role(user, R.GOVERNANCE_LEAD, R.ADMIN)), group__parent_quorum__gt=0
    ).exclude(status=Session.Status.DRAFT)


register("follow_up.oversee", can_oversee_follow_up, queryset=follow_ups_overseen, hide_existence=True)
register("checkin.oversee", can_oversee_checkin, queryset=checkins_overseen, hide_existence=True)
register("support_request.pay", can_see_support_to_pay, queryset=support_requests_to_pay)
register("session.quorum_remind", can_remind_for_quorum, queryset=sessions_remindable_for_quorum)

__all__ = ["FollowUp", "SessionObjectPermissionMixin", "SessionPermissionMixin"]
