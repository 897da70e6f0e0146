"""The one permission mechanism of coprod.

Every view and every queryset asks here. A permission is a name ("group.manage") bound to a predicate
``(user, obj) -> bool``. Apps higher up (sessions_app, payments, safeguarding) register their own names with
``register`` in their own permissions.py; they never check roles by hand.

Refusals follow one rule: an object of an organisation the person has nothing to do with is a 404 (its
existence is not revealed); a person inside the organisation without the right is a 403.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Group, Membership, Organisation, StaffRole

Predicate = Callable[[object, object], bool]
_REGISTRY: dict[str, Predicate] = {}


def register(name: str, predicate: Predicate) -> None:
    if name in _REGISTRY and _REGISTRY[name] is not predicate:
        raise ValueError(f"Permission {name!r} is already registered.")
    _REGISTRY[name] = predicate


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
    m = membership_in(user, group.pk)
    return m is not None and m.role == Membership.Role.FACILITATOR


# --- predicates -------------------------------------------------------------------------------------------

R = StaffRole.Role


def _org_id(obj) -> int:
    if isinstance(obj, Organisation):
        return obj.pk
    return obj.organisation_id


def can_view_group(user, group) -> bool:
    return membership_in(user, group.pk) is not None or bool(roles_in(user, group.organisation_id))


def can_manage_group(user, group) -> bool:
    return is_group_facilitator(user, group) or has_role(user, group.organisation_id, R.ADMIN)


def can_acknowledge_agreement(user, group) -> bool:
    return membership_in(user, group.pk) is not None


def can_create_group(user, organisation) -> bool:
    return has_role(user, _org_id(organisation), R.ADMIN, R.FACILITATOR)


def can_administer_organisation(user, organisation) -> bool:
    return has_role(user, _org_id(organisation), R.ADMIN)


register("group.view", can_view_group)
register("group.view_members", can_view_group)
register("group.manage", can_manage_group)
register("group.acknowledge", can_acknowledge_agreement)
register("organisation.create_group", can_create_group)
register("organisation.administer", can_administer_organisation)
# The organisation's audit trail (who changed what): its admins only; anyone else inside gets a 403.
register("organisation.audit", can_administer_organisation)


def has_perm(user, name: str, obj) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    try:
        predicate = _REGISTRY[name]
    except KeyError:
        raise LookupError(f"Unknown permission {name!r}") from None
    return bool(predicate(user, obj))


def require(user, name: str, obj, *, organisation_id: int | None = None):
    """Return obj if the person holds the permission; 404 outside its organisation; 403 inside it."""
    org_id = organisation_id if organisation_id is not None else _org_id(obj)
    if not in_organisation(user, org_id):
        raise Http404("Not found")
    if not has_perm(user, name, obj):
        raise PermissionDenied("You do not have permission to do that.")
    return obj


class PermissionMixin(LoginRequiredMixin):
    """Views declare ``permission``; ``get_permission_object`` finds the object through an access helper."""

    permission: str = ""

    def get_permission_object(self):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.permission_object = self.get_permission_object()
        require(request.user, self.permission, self.permission_object)
        return super().dispatch(request, *args, **kwargs)


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
