"""The one permission policy of coprod.

Every view and every queryset asks here. A permission is a name ("group.manage") that states, in one place:

- its predicate ``(user, obj) -> bool``;
- optionally its queryset form ``(user, queryset) -> queryset``: what of a model the person may see, so list
  pages and selectors filter with the same rule the object pages check (a test holds the two in agreement);
- ``hide_existence``: a refusal inside the organisation is a 404 too (restricted records);
- ``step_up``: the page needs a recent second sign-in step (allauth's reauthentication);
- ``access_trail``: each read is written to the access trail, and each refusal.

Apps higher up (sessions_app, payments, safeguarding) register their own names with ``register`` in their own
permissions.py; they never check roles by hand.

Refusals follow one rule: an object of an organisation the person has nothing to do with is a 404 (its
existence is not revealed); a person inside the organisation without the right is a 403 (or a 404 when the
permission hides existence). Access rests on a current standing: a staff role or membership that has ended
opens nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from core.audit import access_record

from .models import Group, Membership, Organisation, StaffRole

Predicate = Callable[[object, object], bool]
QuerysetFilter = Callable[[object, QuerySet], QuerySet]


@dataclass(frozen=True)
class Permission:
    """One entry of the policy. See the module's docstring for what each field means."""

    name: str
    predicate: Predicate
    queryset: QuerysetFilter | None = None
    hide_existence: bool = False
    step_up: bool = False
    access_trail: bool = False


_REGISTRY: dict[str, Permission] = {}


def register(
    name: str,
    predicate: Predicate,
    *,
    queryset: QuerysetFilter | None = None,
    hide_existence: bool = False,
    step_up: bool = False,
    access_trail: bool = False,
) -> Permission:
    """Adds a permission to the policy. Registering the same entry again is harmless; a different one under a
    taken name is an error."""
    entry = Permission(
        name=name,
        predicate=predicate,
        queryset=queryset,
        hide_existence=hide_existence,
        step_up=step_up,
        access_trail=access_trail,
    )
    existing = _REGISTRY.get(name)
    if existing is not None and existing != entry:
        raise ValueError(f"Permission {name!r} is already registered.")
    _REGISTRY[name] = entry
    return entry


def get_permission(name: str) -> Permission:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"Unknown permission {name!r}") from None


def registered() -> dict[str, Permission]:
    """A copy of the policy, for tests and the documentation."""
    return dict(_REGISTRY)


@dataclass
class Standing:
    """What one person holds, loaded once per request (two queries) and cached on the user object."""

    roles: dict[int, set[str]] = field(default_factory=dict)  # organisation id -> staff roles
    memberships: dict[int, Membership] = field(default_factory=dict)  # group id -> active membership
    group_orgs: dict[int, int] = field(default_factory=dict)  # group id -> organisation id (member groups)

    @property
    def organisation_ids(self) -> set[int]:
        return set(self.roles) | set(self.group_orgs.values())


def standing(user) -> Standing:
    if not getattr(user, "is_authenticated", False):
        return Standing()
    cached = getattr(user, "_coprod_standing", None)
    if cached is not None:
        return cached
    result = Standing()
    for org_id, role in StaffRole.objects.filter(user=user).values_list("organisation_id", "role"):
        result.roles.setdefault(org_id, set()).add(role)
    for m in Membership.objects.active().filter(user=user).select_related("group"):
        result.memberships[m.group_id] = m
        result.group_orgs[m.group_id] = m.group.organisation_id
    user._coprod_standing = result
    return result


def forget_standing(user) -> None:
    """Call after changing a person's roles or memberships in the same request."""
    if hasattr(user, "_coprod_standing"):
        del user._coprod_standing


def roles_in(user, organisation_id: int) -> set[str]:
    return standing(user).roles.get(organisation_id, set())


def has_role(user, organisation_id: int, *roles: str) -> bool:
    return bool(roles_in(user, organisation_id) & set(roles))


def in_organisation(user, organisation_id: int) -> bool:
    return organisation_id in standing(user).organisation_ids


def membership_in(user, group_id: int) -> Membership | None:
    return standing(user).memberships.get(group_id)


def is_group_facilitator(user, group: Group) -> bool:
    """An active facilitator membership of the group (the group's own record of who facilitates it)."""
    m = membership_in(user, group.pk)
    return m is not None and m.role == Membership.Role.FACILITATOR


# --- predicates and their queryset forms --------------------------------------------------------------------

R = StaffRole.Role
# The staff roles that may run groups. Facilitating a group rests on one of them as well as the membership:
# when the role ends, so does the management of every group the person facilitated.
RUNNING_ROLES = (R.FACILITATOR, R.ADMIN)


def _org_id(obj) -> int:
    if isinstance(obj, Organisation):
        return obj.pk
    return obj.organisation_id


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def facilitates(user, group) -> bool:
    """A current facilitator of the group: an active facilitator membership and a running staff role in the
    group's organisation."""
    return is_group_facilitator(user, group) and has_role(user, group.organisation_id, *RUNNING_ROLES)


def orgs_with_role(user, *roles: str) -> set[int]:
    return {org_id for org_id, held in standing(user).roles.items() if held & set(roles)}


def facilitated_group_ids(user) -> set[int]:
    """Groups the person currently facilitates (see `facilitates`), from their standing: no query."""
    st = standing(user)
    running = orgs_with_role(user, *RUNNING_ROLES)
    return {
        gid
        for gid, m in st.memberships.items()
        if m.role == Membership.Role.FACILITATOR and st.group_orgs.get(gid) in running
    }


def managed_groups_q(user, prefix: str = "") -> Q:
    """A filter for "groups the person manages" on a queryset whose group is at `prefix` ("" for Group
    itself, "group__" for Session, "session__group__" for records of a session)."""
    if not _signed_in(user):
        return Q(pk__in=[])
    return Q(**{f"{prefix}pk__in": list(facilitated_group_ids(user))}) | Q(
        **{f"{prefix}organisation_id__in": list(orgs_with_role(user, R.ADMIN))}
    )


def visible_groups_q(user, prefix: str = "") -> Q:
    """A filter for "groups the person may see": their groups, and every group where they hold a staff role."""
    if not _signed_in(user):
        return Q(pk__in=[])
    st = standing(user)
    return Q(**{f"{prefix}pk__in": list(st.memberships)}) | Q(**{f"{prefix}organisation_id__in": list(st.roles)})


def can_view_group(user, group) -> bool:
    return membership_in(user, group.pk) is not None or bool(roles_in(user, group.organisation_id))


def groups_viewable(user, queryset):
    return queryset.filter(visible_groups_q(user))


def can_manage_group(user, group) -> bool:
    return facilitates(user, group) or has_role(user, group.organisation_id, R.ADMIN)


def groups_managed(user, queryset):
    return queryset.filter(managed_groups_q(user))


def can_acknowledge_agreement(user, group) -> bool:
    return membership_in(user, group.pk) is not None


def groups_of_membership(user, queryset):
    return queryset.filter(pk__in=list(standing(user).memberships) if _signed_in(user) else [])


def can_create_group(user, organisation) -> bool:
    return has_role(user, _org_id(organisation), R.ADMIN, R.FACILITATOR)


def organisations_creating_groups(user, queryset):
    return queryset.filter(pk__in=list(orgs_with_role(user, R.ADMIN, R.FACILITATOR)) if _signed_in(user) else [])


def can_administer_organisation(user, organisation) -> bool:
    return has_role(user, _org_id(organisation), R.ADMIN)


def organisations_administered(user, queryset):
    return queryset.filter(pk__in=list(orgs_with_role(user, R.ADMIN)) if _signed_in(user) else [])


def groups_of_organisations_administered(user, queryset):
    return queryset.filter(organisation_id__in=list(orgs_with_role(user, R.ADMIN)) if _signed_in(user) else [])


def can_view_members(user, group) -> bool:
    """Who is in a group (names, pronouns, how to say their names): its members, those who run it, and the
    governance leads for a group with a parent quorum (they chase quorum). Other staff roles do not need it."""
    if membership_in(user, group.pk) is not None or can_manage_group(user, group):
        return True
    return group.parent_quorum > 0 and has_role(user, group.organisation_id, R.GOVERNANCE_LEAD)


def members_viewable(user, queryset):
    if not _signed_in(user):
        return queryset.none()
    return queryset.filter(
        Q(pk__in=list(standing(user).memberships))
        | managed_groups_q(user)
        | Q(organisation_id__in=list(orgs_with_role(user, R.GOVERNANCE_LEAD)), parent_quorum__gt=0)
    )


register("group.view", can_view_group, queryset=groups_viewable)
register("group.view_members", can_view_members, queryset=members_viewable)
register("group.manage", can_manage_group, queryset=groups_managed)
register("group.acknowledge", can_acknowledge_agreement, queryset=groups_of_membership)
register("organisation.create_group", can_create_group, queryset=organisations_creating_groups)
register("organisation.administer", can_administer_organisation, queryset=organisations_administered)
# The organisation's audit trail (who changed what): its admins only; anyone else inside gets a 403.
register("organisation.audit", can_administer_organisation, queryset=organisations_administered)


# Asking a member of a group to use two-step sign-in (groups.services.two_step_request): the admins of the
# group's organisation only.
register("group.request_two_step", can_administer_organisation, queryset=groups_of_organisations_administered)

# Pages of a person's own work, with no one object (a refusal is a 403): whether they may open them at all.
register("group.create_any", lambda user, _obj=None: bool(orgs_with_role(user, R.ADMIN, R.FACILITATOR)))


def has_perm(user, name: str, obj) -> bool:
    if not _signed_in(user):
        return False
    return bool(get_permission(name).predicate(user, obj))


def visible(user, name: str, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the person holds permission `name` on, by the permission's queryset form (the
    same rule as its predicate). Nothing for someone signed out or deactivated."""
    entry = get_permission(name)
    if entry.queryset is None:
        raise LookupError(f"Permission {name!r} has no queryset form.")
    if not _signed_in(user):
        return queryset.none()
    return entry.queryset(user, queryset)


def require(user, name: str, obj, *, organisation_id: int | None = None):
    """Return obj if the person holds the permission; 404 outside its organisation; 403 inside it (404 when
    the permission hides existence). With no object (a list page of one's own), a refusal is a 403."""
    entry = get_permission(name)
    if obj is not None or organisation_id is not None:
        org_id = organisation_id if organisation_id is not None else _org_id(obj)
        if not in_organisation(user, org_id):
            raise Http404("Not found")
    if not has_perm(user, name, obj):
        if entry.hide_existence and obj is not None:
            raise Http404("Not found")
        raise PermissionDenied("You do not have permission to do that.")
    return obj


# --- step-up: a recent second sign-in step ----------------------------------------------------------------------

# allauth keeps, in the signed-in session, a record of each way the person proved who they are ("password",
# "mfa", with the time). A step-up page needs an "mfa" record younger than this: signing in with the code, or
# giving the code again on allauth's "confirm it's you" page (mfa_reauthenticate).
STEP_UP_SECONDS_DEFAULT = 15 * 60


def step_up_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "STEP_UP_SECONDS", STEP_UP_SECONDS_DEFAULT))


def recent_second_step(request) -> bool:
    """True when the signed-in person gave their two-step code within `step_up_seconds()`."""
    import time

    from allauth.account.authentication import get_authentication_records

    now = time.time()
    for record in get_authentication_records(request, request.user):
        if record.get("method") == "mfa" and now - float(record.get("at", 0)) < step_up_seconds():
            return True
    return False


def redirect_to_second_step(request):
    """allauth's page that asks for the two-step code again, coming back here after."""
    from urllib.parse import urlencode

    from django.shortcuts import redirect
    from django.urls import reverse

    return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")


def _object_label(obj) -> dict:
    if obj is None:
        return {}
    return {"object_type": obj._meta.label_lower, "object_id": str(obj.pk)}


class PermissionMixin(LoginRequiredMixin):
    """The one view mixin of the policy. Views declare ``permission``; ``get_permission_object`` finds the
    object (None for a page that lists the person's own things) and ``get_permission_organisation_id`` its
    organisation when the object does not carry one.

    In order: signed out -> the sign-in page; outside the object's organisation -> 404; refused -> 403 (404 when
    the permission hides existence), written to the access trail as "refused" when the permission keeps one;
    no two-step code given recently for a step-up permission -> allauth's "enter your code again" page;
    allowed -> the page, its read written to the access trail when the permission keeps one."""

    permission: str = ""
    # What a successful read is in the access trail (for a permission that keeps one): "view" by default, an
    # "export" under a permission named "<thing>.export"; a view that downloads or prints says so here.
    access_kind: str = ""

    def get_permission_object(self):
        raise NotImplementedError

    def access_data(self) -> dict:
        """More facts for the access trail's entry of a successful read (e.g. which document)."""
        return {}

    def get_permission_organisation_id(self) -> int | None:
        return None

    def check_permission(self, request) -> None:
        entry = get_permission(self.permission)
        self.permission_object = self.get_permission_object()
        org_id = self.get_permission_organisation_id()
        try:
            require(request.user, self.permission, self.permission_object, organisation_id=org_id)
        except (Http404, PermissionDenied):
            if entry.access_trail:
                access_record(
                    kind="refused",
                    actor=request.user,
                    organisation_id=org_id,
                    data={"permission": entry.name},
                    **_object_label(self.permission_object),
                )
            raise

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.check_permission(request)
        entry = get_permission(self.permission)
        if entry.step_up and not recent_second_step(request):
            return redirect_to_second_step(request)
        response = super().dispatch(request, *args, **kwargs)
        if entry.access_trail and request.method in ("GET", "HEAD") and response.status_code == 200:
            access_record(
                kind=self.access_kind or ("export" if entry.name.endswith(".export") else "view"),
                actor=request.user,
                obj=self.permission_object,
                organisation_id=self.get_permission_organisation_id(),
                data={"permission": entry.name, **self.access_data()},
            )
        return response


class GroupPermissionMixin(PermissionMixin):
    permission = "group.view"

    def get_permission_object(self):
        try:
            self.group = Group.objects.select_related("organisation").get(pk=self.kwargs["group_id"])
        except Group.DoesNotExist:
            raise Http404("Not found") from None
        return self.group

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            group=self.group,
            my_membership=membership_in(user, self.group.pk),
            can_manage=has_perm(user, "group.manage", self.group),
        )
        return ctx
