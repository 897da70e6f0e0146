"""Session permissions, registered with the one mechanism in groups.permissions."""

from django.http import Http404

from groups.permissions import (
    PermissionMixin,
    R,
    can_manage_group,
    can_view_group,
    has_perm,
    has_role,
    membership_in,
    register,
)

from .models import FacilitatorRole, Session


def _session_facilitator(user, session, role=None) -> bool:
    places = getattr(session, "_active_facilitator_places", None)
    if places is None:
        places = list(session.facilitators.filter(withdrawn_at__isnull=True).values_list("user_id", "role"))
        session._active_facilitator_places = places
    return any(uid == user.pk and (role is None or r == role) for uid, r in places)


def can_view_session(user, session) -> bool:
    """Members and organisation staff see published and cancelled sessions; drafts only those who manage."""
    if session.status == Session.Status.DRAFT:
        return can_manage_group(user, session.group)
    return can_view_group(user, session.group)


def can_manage_session(user, session) -> bool:
    return can_manage_group(user, session.group)


def can_answer(user, session) -> bool:
    return membership_in(user, session.group_id) is not None and session.status != Session.Status.DRAFT


def can_run_session(user, session) -> bool:
    """The check-in screen, feelings and follow-ups: the session's own facilitators and the group's managers."""
    return _session_facilitator(user, session) or can_manage_group(user, session.group)


def can_debrief(user, session) -> bool:
    """The lead facilitator records the debrief; the organisation admin can stand in."""
    return _session_facilitator(user, session, FacilitatorRole.LEAD) or has_role(
        user, session.group.organisation_id, R.ADMIN
    )


register("session.view", can_view_session)
register("session.manage", can_manage_session)
register("session.answer", can_answer)
register("session.run", can_run_session)
register("session.debrief", can_debrief)


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


def can_close_follow_up(user, follow_up) -> bool:
    """The facilitator a follow-up is assigned to, or anyone who manages the session's group."""
    return follow_up.assigned_to_id == user.pk or can_manage_session(user, follow_up.session)


def can_update_action(user, action) -> bool:
    """The person doing an action keeps its status up to date, as can anyone who manages the group."""
    return action.owner_id == user.pk or can_manage_session(user, action.session)


register("follow_up.close", can_close_follow_up)
register("action.update", can_update_action)


def can_oversee_governance(user, organisation) -> bool:
    """Governance leads and organisation admins watch parent quorum across the organisation's committees."""
    return has_role(user, organisation.pk, R.GOVERNANCE_LEAD, R.ADMIN)


def can_see_session_governance(user, session) -> bool:
    """A meeting's quorum record and message log: whoever manages the group, governance leads and admins."""
    return can_manage_session(user, session) or has_role(
        user, session.group.organisation_id, R.GOVERNANCE_LEAD, R.ADMIN
    )


register("organisation.governance", can_oversee_governance)
register("session.governance", can_see_session_governance)
