"""Writes for people, groups, memberships, agreements and invitations. Each function states the rule it keeps."""

import secrets
from datetime import timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core import extensions
from core.audit import audit_record
from core.events import send_on_commit
from core.extensions import ErasureReport
from core.validators import is_url_token
from notifications.services import message_send

from . import events
from .models import (
    Acknowledgement,
    AgreementVersion,
    ErasureReason,
    Group,
    Invitation,
    Membership,
    Organisation,
    PathwayRole,
    StaffRole,
    User,
)
from .notifications import INVITATION_MESSAGE, STAFF_INVITATION_MESSAGE
from .permissions import forget_standing, has_role, standing

DEFAULT_AGREEMENT = """We listen to each other and take turns to speak.
Everyone's experience counts the same: parents, carers and professionals.
What is shared in the group stays in the group, unless someone may be at risk of harm.
We use plain words and explain any short forms or jargon.
It is fine to take a break, step out, or say "pass".
We start and finish on time, with a check-in and a check-out."""


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str = "",
    password: str | None = None,
    verified: bool = False,
    acting_user: User | None = None,
    actor_label: str = "",
    by_themselves: bool = False,
    **profile,
) -> User:
    """One person per email address (case-insensitive); their address is recorded for allauth.

    The audit trail names who created the account: `acting_user`, a script's `actor_label`, or, with
    `by_themselves` (an invitation accepted), the new person. Called with nobody named, as fixtures and set-up
    do, nothing is recorded: the trail is of what people and jobs did."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name, **profile)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    if acting_user is not None or actor_label or by_themselves:
        audit_record(
            action="user.created",
            actor=user if by_themselves else acting_user,
            actor_label=actor_label,
            obj=user,
            data={"verified": verified},
        )
    return user


PROFILE_FIELDS = frozenset(
    {
        "full_name",
        "preferred_name",
        "name_pronunciation",
        "pronouns",
        "phone",
        "contact_preference",
        "preferred_language",
        "access_needs",
    }
)


def _set_fields(instance, allowed: frozenset, fields: dict) -> list[str]:
    """Sets only whitelisted fields (so a caller cannot set what the form never offered) and returns the
    names of those whose value changed: the audit trail records names, never the values."""
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Cannot set {', '.join(sorted(unknown))} here.")
    changed = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return sorted(changed)


@transaction.atomic
def user_update_profile(*, user: User, **fields) -> User:
    """A person edits their own profile (only the profile's fields); text messages need a phone number
    (checked by the database too). Changing the phone number un-confirms it (groups.phone)."""
    changed = _set_fields(user, PROFILE_FIELDS, fields)
    if "phone" in changed:
        from .phone import phone_unconfirm

        phone_unconfirm(user)  # a new number is not confirmed: no texts go to it until it is
    user.full_clean()
    user.save()
    if changed:
        audit_record(action="profile.updated", actor=user, obj=user, data={"fields": changed})
    return user


@transaction.atomic
def staff_role_grant(
    *, organisation: Organisation, user: User, role: str, acting_user: User | None = None, actor_label: str = ""
) -> StaffRole:
    """A person holds each staff role once per organisation; granting a role they hold changes nothing."""
    obj, created = StaffRole.objects.get_or_create(organisation=organisation, user=user, role=role)
    if created:
        audit_record(
            action="staff_role.granted",
            actor=acting_user,
            actor_label=actor_label,
            obj=obj,
            organisation_id=organisation.pk,
            data={"user_id": user.pk, "role": role},
        )
    forget_standing(user)
    return obj


@transaction.atomic
def group_create(
    *,
    organisation: Organisation,
    name: str,
    kind: str,
    purpose: str,
    acting_user: User,
    parent_quorum: int | None = None,
    agreement_text: str = "",
) -> Group:
    """A new group starts with a working-together agreement (version 1) and its creator as facilitator
    when they are one. Governance committees default to a parent quorum of two."""

    def refuse_if_taken():
        """One group of a name per organisation (without regard to capitals), even when two are sent at once."""
        existing = Group.objects.filter(organisation=organisation, name__iexact=name.strip()).first()
        if existing is not None:
            raise ValidationError(
                {
                    "name": ValidationError(
                        f"There is already a group called {existing.name}. Choose another name.", code="group_exists"
                    )
                }
            )

    if parent_quorum is None:
        parent_quorum = Group.default_quorum_for(kind)
    refuse_if_taken()
    group = Group(organisation=organisation, name=name, kind=kind, purpose=purpose, parent_quorum=parent_quorum)
    group.full_clean()
    try:
        with transaction.atomic():  # a savepoint: a group of this name made a moment ago by someone else
            group.save()
    except IntegrityError:
        refuse_if_taken()
        raise
    AgreementVersion.objects.create(
        group=group, number=1, text=agreement_text or DEFAULT_AGREEMENT, created_by=acting_user
    )
    audit_record(
        action="group.created",
        actor=acting_user,
        obj=group,
        data={"kind": kind, "parent_quorum": parent_quorum, "agreement_version": 1},
    )
    if StaffRole.objects.filter(organisation=organisation, user=acting_user, role=StaffRole.Role.FACILITATOR).exists():
        membership_add(group=group, user=acting_user, role=Membership.Role.FACILITATOR, acting_user=acting_user)
    return group


GROUP_FIELDS = frozenset({"name", "kind", "purpose", "parent_quorum"})


def _is_organisation_admin(user: User | None, organisation_id: int) -> bool:
    """Read from the database, not the cached standing: a role ended a moment ago gives no authority."""
    return (
        user is not None
        and StaffRole.objects.filter(organisation_id=organisation_id, user=user, role=StaffRole.Role.ADMIN).exists()
    )


@transaction.atomic
def group_update(*, group: Group, acting_user: User, **fields) -> Group:
    """Only the group's details (name, kind, purpose, parent quorum) change here; the trail records which.
    Lowering the parent quorum (parents needed for a meeting to count) takes an organisation admin, and the
    trail keeps the old and new numbers: a facilitator cannot quietly let meetings count with fewer parents."""
    # The saved number, locked: the instance passed in may be stale, and two edits at once are taken in turn.
    quorum_before = Group.objects.select_for_update().values_list("parent_quorum", flat=True).get(pk=group.pk)
    changed = _set_fields(group, GROUP_FIELDS, fields)
    if group.parent_quorum < quorum_before and not _is_organisation_admin(acting_user, group.organisation_id):
        raise ValidationError(
            {
                "parent_quorum": ValidationError(
                    f"Only an organisation admin can lower the number of parents needed (now {quorum_before}).",
                    code="quorum_lowering_needs_admin",
                )
            }
        )
    group.full_clean()
    group.save()
    if changed:
        audit_record(action="group.updated", actor=acting_user, obj=group, data={"fields": changed})
    if group.parent_quorum != quorum_before:
        audit_record(
            action="group.quorum_changed",
            actor=acting_user,
            obj=group,
            data={"from": quorum_before, "to": group.parent_quorum},
        )
    return group


@transaction.atomic
def membership_add(*, group: Group, user: User, role: str, acting_user: User | None) -> Membership:
    """A person has at most one active membership per group (a database constraint); adding someone who
    is already a member changes nothing and returns their membership."""
    existing = Membership.objects.active().filter(group=group, user=user).first()
    if existing:
        return existing
    membership = Membership(group=group, user=user, role=role, added_by=acting_user)
    membership.full_clean()
    membership.save()
    audit_record(
        action="membership.added",
        actor=acting_user,
        obj=membership,
        organisation_id=group.organisation_id,
        data={"group_id": group.pk, "user_id": user.pk, "role": role},
    )
    forget_standing(user)
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership, acting_user: User) -> Membership:
    """Leaving ends the membership but keeps it, so the group's history stays true. Leaving twice changes
    nothing the second time. Once committed, `groups.events.member_left` tells the apps above."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("group").get(pk=membership.pk)
    if membership.left_at is None:
        membership.left_at = timezone.now()
        membership.save(update_fields=["left_at"])
        audit_record(
            action="membership.left",
            actor=acting_user,
            obj=membership,
            organisation_id=membership.group.organisation_id,
            data={"group_id": membership.group_id, "user_id": membership.user_id, "role": membership.role},
        )
        send_on_commit(events.member_left, sender=Membership, membership=membership, acting_user=acting_user)
    forget_standing(membership.user)
    return membership


def agreement_current(*, group: Group) -> AgreementVersion | None:
    return group.agreement_versions.order_by("-number").first()


@transaction.atomic
def agreement_publish(*, group: Group, text: str, acting_user: User) -> AgreementVersion:
    """Versions are numbered 1, 2, 3… per group; the group row is locked so two facilitators publishing at
    once get consecutive numbers. A new version asks every member to acknowledge again."""
    text = text.strip()
    if not text:
        raise ValidationError(
            {"text": ValidationError("Write the agreement before saving it.", code="agreement_empty")}
        )
    Group.objects.select_for_update().get(pk=group.pk)
    current = agreement_current(group=group)
    if current and current.text.strip() == text:
        raise ValidationError(
            {
                "text": ValidationError(
                    "This is the same as the current agreement. Change something, or cancel.",
                    code="agreement_unchanged",
                )
            }
        )
    version = AgreementVersion(
        group=group, number=(current.number + 1 if current else 1), text=text, created_by=acting_user
    )
    version.full_clean()
    version.save()
    audit_record(
        action="agreement.version_created",
        actor=acting_user,
        obj=version,
        organisation_id=group.organisation_id,
        data={"group_id": group.pk, "number": version.number},
    )
    return version


@transaction.atomic
def agreement_acknowledge(*, version: AgreementVersion, user: User) -> Acknowledgement:
    """Only active members acknowledge, only the current version, and only once (a database constraint);
    acknowledging again changes nothing."""
    if not Membership.objects.active().filter(group_id=version.group_id, user=user).exists():
        raise ValidationError("Only members of this group can acknowledge its agreement.", code="not_a_member")
    current = agreement_current(group=version.group)
    if current is None or current.pk != version.pk:
        raise ValidationError(
            "This agreement has been updated. Please read the new version.", code="agreement_superseded"
        )
    ack, created = Acknowledgement.objects.get_or_create(version=version, user=user)
    if created:
        audit_record(
            action="agreement.acknowledged",
            actor=user,
            obj=ack,
            organisation_id=version.group.organisation_id,
            data={"group_id": version.group_id, "version_id": version.pk, "number": version.number},
        )
    return ack


def invitation_send(*, invitation: Invitation) -> None:
    """Logs the invitation email in the message log, to go out after the transaction commits; a mail server
    that is down means a retry later, never an error for the inviter. Each sending (a new invitation, or
    inviting again with a fresh expiry) is a message of its own. The log keeps no working link: the personal
    link goes into the email only as it is sent."""
    message_send(
        kind=INVITATION_MESSAGE,
        key=f"invitation:{invitation.pk}:{invitation.expires_at:%Y%m%d%H%M%S%f}",
        address=invitation.email,
        person=User.objects.filter(email__iexact=invitation.email).first(),
        context={"invitation": invitation},
        link=reverse("invitation_accept", args=[invitation.token]),
        subject=f"You are invited to join {invitation.group.name}",
        topic=f"groups.invitation:{invitation.pk}",
        organisation_id=invitation.group.organisation_id,
    )


def _may_make_facilitator(*, group: Group, email: str, acting_user: User) -> bool:
    """A facilitator membership opens feelings, follow-ups and phone numbers, so it goes only to one of the
    organisation's staff facilitators, unless an organisation admin decides otherwise (a parent who becomes a
    facilitator)."""
    if _is_organisation_admin(acting_user, group.organisation_id):
        return True
    return StaffRole.objects.filter(
        organisation_id=group.organisation_id, user__email__iexact=email, role=StaffRole.Role.FACILITATOR
    ).exists()


@transaction.atomic
def invitation_create(*, group: Group, email: str, role: str, acting_user: User, full_name: str = "") -> Invitation:
    """One open invitation per address and group: inviting again re-sends the open one with a fresh expiry.
    A person who is already a member is not invited. The email goes out after the transaction commits."""
    email = email.strip().lower()
    if role == Membership.Role.FACILITATOR and not _may_make_facilitator(
        group=group, email=email, acting_user=acting_user
    ):
        raise ValidationError(
            {
                "role": ValidationError(
                    "Only an organisation admin can make this person a facilitator: they are not one of the "
                    "organisation's facilitators.",
                    code="facilitator_needs_admin",
                )
            }
        )
    if Membership.objects.active().filter(group=group, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": ValidationError("This person is already a member of the group.", code="already_member")}
        )
    expires = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(group=group, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    resent = invitation is not None
    if invitation:
        invitation.expires_at = expires
        invitation.role = role
        invitation.full_name = full_name or invitation.full_name
        invitation.save(update_fields=["expires_at", "role", "full_name"])
    else:
        invitation = Invitation(
            group=group,
            email=email,
            full_name=full_name,
            role=role,
            invited_by=acting_user,
            token=secrets.token_urlsafe(32),
            expires_at=expires,
        )
        invitation.full_clean()
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:
            raise ValidationError(
                {
                    "email": ValidationError(
                        "This person has just been invited by someone else.", code="invited_just_now"
                    )
                }
            ) from None
    audit_record(
        action="invitation.sent",
        actor=acting_user,
        obj=invitation,
        organisation_id=group.organisation_id,
        data={"group_id": group.pk, "role": role, "resent": resent},
    )
    invitation_send(invitation=invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, acting_user: User) -> Invitation:
    """Cancelling an open invitation stops its link working; one already accepted or cancelled is left as it
    is (the person who accepted stays a member)."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("group").get(pk=invitation.pk)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            action="invitation.revoked",
            actor=acting_user,
            obj=invitation,
            organisation_id=invitation.group.organisation_id,
            data={"group_id": invitation.group_id},
        )
    return invitation


def invitation_needs_sign_in(*, invitation: Invitation, user) -> bool:
    """An invitation to an address that already has an account is accepted by that account, signed in."""
    return not user.is_authenticated and User.objects.filter(email__iexact=invitation.email).exists()


def invitation_find_open(*, token: str) -> Invitation | None:
    if not is_url_token(token):  # a NUL byte or a mangled link: no such invitation, never a database error
        return None
    invitation = Invitation.objects.select_related("group", "group__organisation").filter(token=token).first()
    if invitation is None or not invitation.is_open:
        return None
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, full_name: str, preferred_name: str = "", signed_in_user: User | None = None
) -> Membership:
    """Accepting makes the person a member once: the invitation row is locked, so a double submit or two
    tabs make one membership. Following the emailed link proves the address, so it is marked verified.
    A signed-in person may only accept an invitation sent to their own address, and an address that already has
    an account is accepted only by that account, signed in: holding the link must not change someone's account."""
    invitation = Invitation.objects.select_for_update().select_related("group").get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(
            "This invitation has expired or has already been used. Ask the facilitator to send a new one.",
            code="invitation_closed",
        )
    if signed_in_user is not None and signed_in_user.email.lower() != invitation.email.lower():
        raise ValidationError(
            "This invitation was sent to a different email address. Sign out first, then open the link again.",
            code="invitation_other_address",
        )
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and signed_in_user is None:
        raise ValidationError(
            "You already have an account with this email address. Sign in first, then open the link again.",
            code="invitation_sign_in_first",
        )
    new_account = user is None
    if user is None:
        user = user_create(
            email=invitation.email,
            full_name=full_name.strip(),
            verified=True,
            preferred_name=preferred_name.strip(),
            by_themselves=True,
        )
    else:
        if not user.full_name and full_name.strip():
            user.full_name = full_name.strip()
        if preferred_name.strip():
            user.preferred_name = preferred_name.strip()
        user.save(update_fields=["full_name", "preferred_name"])
        EmailAddress.objects.update_or_create(
            user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
        )
    membership = membership_add(
        group=invitation.group, user=user, role=invitation.role, acting_user=invitation.invited_by
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="invitation.accepted",
        actor=user,
        obj=invitation,
        organisation_id=invitation.group.organisation_id,
        data={"group_id": invitation.group_id, "membership_id": membership.pk, "new_account": new_account},
    )
    return membership


# --- removing a person --------------------------------------------------------------------------------------

ERASED_NAME = "Former member"


def erased_email(person: User) -> str:
    """A unique address that can never receive mail (`.invalid` is reserved, RFC 2606)."""
    return f"erased-{person.pk}@invalid.example"


def _organisations_of(person: User) -> set[int]:
    """Organisations that hold something about the person: a staff role, or a membership (past or present)."""
    ids = set(StaffRole.objects.filter(user=person).values_list("organisation_id", flat=True))
    ids |= set(Membership.objects.filter(user=person).values_list("group__organisation_id", flat=True))
    return ids


def _sign_in_sessions_end(person: User) -> int:
    """Ends the person's signed-in browser sessions where the session store can be searched (the database
    stores). Elsewhere they end anyway: an inactive person with an unusable password is signed out on their
    next request."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    model = store_class.get_model_class() if hasattr(store_class, "get_model_class") else None
    if model is None:
        return 0
    uid = str(person.pk)
    keys = [
        row.session_key
        for row in model.objects.filter(expire_date__gt=timezone.now()).iterator()
        if row.get_decoded().get("_auth_user_id") == uid
    ]
    for key in keys:
        store_class(session_key=key).delete()
    return len(keys)


def _groups_erase(person: User, *, now) -> tuple[ErasureReport, list[Membership], dict]:
    """What groups holds about the person: sign-in, roles, memberships and invitations (the profile itself is
    blanked by the caller, last, so other apps' receivers still see it)."""
    ended = list(Membership.objects.active().filter(user=person))
    for membership in ended:
        membership.left_at = max(now, membership.joined_at)
    Membership.objects.bulk_update(ended, ["left_at"])
    roles_removed, _ = StaffRole.objects.filter(user=person).delete()
    today = timezone.localdate(now)
    PathwayRole.objects.filter(user=person, starts_on__gt=today).delete()
    PathwayRole.objects.filter(user=person).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today)).update(ends_on=today)
    invitations = Invitation.objects.filter(Q(email__iexact=person.email) | Q(accepted_by=person))
    invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    invitations_blanked = invitations.update(email=erased_email(person), full_name="")
    addresses, _ = EmailAddress.objects.filter(user=person).delete()
    authenticators, _ = Authenticator.objects.filter(user=person).delete()
    sessions = _sign_in_sessions_end(person)
    counts = {
        "memberships_ended": len(ended),
        "staff_roles_removed": roles_removed,
        "invitations_blanked": invitations_blanked,
        "email_addresses_removed": addresses,
        "two_step_keys_removed": authenticators,
        "sign_in_sessions_ended": sessions,
    }
    report = ErasureReport(
        app="groups",
        erased=[
            "name, name pronunciation, pronouns, phone number, language and access needs",
            "email address (replaced by one that receives nothing), password and two-step sign-in keys",
            f"signed-in sessions ({sessions})",
            f"staff roles ({roles_removed})",
            f"names and addresses on invitations ({invitations_blanked})",
        ],
        kept=[
            "the person's record, anonymised and unable to sign in, so what points at it stays true",
            f"group memberships, ended ({len(ended)} ended now), as the groups' history",
            "agreement acknowledgements and pathway roles (ended)",
        ],
    )
    return report, ended, counts


def _profile_blank(person: User, *, now) -> None:
    person.email = erased_email(person)
    person.full_name = ERASED_NAME
    person.preferred_name = ERASED_NAME
    person.name_pronunciation = ""
    person.pronouns = ""
    person.phone = ""
    person.contact_preference = User.ContactPreference.EMAIL
    person.preferred_language = User._meta.get_field("preferred_language").get_default()
    person.access_needs = ""
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    person.two_step_requested = False
    person.last_login = None
    person.erased_at = now
    person.set_unusable_password()
    person.full_clean()
    person.save()
    person.groups.clear()
    person.user_permissions.clear()


@transaction.atomic
def person_anonymise(*, person: User, acting_user: User, reason: str = "") -> list[ErasureReport]:
    """Removes a person by anonymising them, never by deleting them: answers, attendance, support and payments
    point at the person's row, and that evidence must stay true. Their personal details, sign-in and roles go;
    their memberships end; every app then erases what it holds through `core.extensions.person_erasure` and
    says what it kept. One audit event, "person.anonymised", records what each app erased and kept.

    Only an admin of an organisation the person belongs to (or has belonged to), or a superuser, may do it;
    anyone else is told the person was not found. Nobody anonymises themselves, and nobody twice."""
    if reason and reason not in ErasureReason.values:
        raise ValidationError({"reason": ValidationError("Choose a reason from the list.", code="unknown_reason")})
    person = User.objects.select_for_update().get(pk=person.pk)
    org_ids = _organisations_of(person)
    admin_of = sorted(org for org in org_ids if has_role(acting_user, org, StaffRole.Role.ADMIN))
    if not acting_user.is_superuser and not admin_of:
        if org_ids & standing(acting_user).organisation_ids:
            raise ValidationError("Only an organisation admin can remove a person.", code="not_allowed")
        raise ValidationError("We could not find this person.", code="not_found")
    if person.pk == acting_user.pk:
        raise ValidationError("You cannot remove yourself. Ask another organisation admin.", code="erase_self")
    if person.erased_at is not None:
        raise ValidationError("This person has already been removed.", code="already_anonymised")

    now = timezone.now()
    groups_report, ended, counts = _groups_erase(person, now=now)
    # Other apps first, while the person's details are still there to match on; then the profile.
    reports = [groups_report, *extensions.person_erasure.call(person=person, acting_user=acting_user)]
    _profile_blank(person, now=now)
    forget_standing(person)
    audit_record(
        action="person.anonymised",
        actor=acting_user,
        obj=person,
        organisation_id=admin_of[0] if admin_of else min(org_ids, default=None),
        data={
            "reason": reason,
            "organisation_ids": sorted(org_ids),
            **counts,
            "reports": [{"app": r.app, "erased": list(r.erased), "kept": list(r.kept)} for r in reports],
        },
    )
    for membership in ended:
        send_on_commit(events.member_left, sender=Membership, membership=membership, acting_user=acting_user)
    return reports


@transaction.atomic
def sign_in_sessions_clear_expired(*, actor_label: str = "job:clear-expired-sign-in-sessions") -> int:
    """Expired browser sessions are deleted so the session table does not grow without end."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    if deleted:
        audit_record(action="sign_in_sessions.cleared", actor_label=actor_label, data={"deleted": deleted})
    return deleted


# --- organisation administration: staff and their roles ----------------------------------------------------


def _staff_roles_valid(roles) -> set[str]:
    roles = set(roles)
    if not roles:
        raise ValidationError({"roles": ValidationError("Choose at least one role.", code="no_role")})
    unknown = roles - set(StaffRole.Role.values)
    if unknown:
        raise ValidationError({"roles": ValidationError("Choose roles from the list.", code="unknown_role")})
    return roles


def _other_admins_exist(*, organisation: Organisation, user: User) -> bool:
    return (
        StaffRole.objects.filter(organisation=organisation, role=StaffRole.Role.ADMIN, user__is_active=True)
        .exclude(user=user)
        .exists()
    )


def staff_invitation_send(*, organisation: Organisation, user: User, roles: list[str], acting_user: User) -> None:
    """Tells the person, by email after the transaction commits, which roles they now hold and how to sign in
    (with a code emailed to them: no password is set for them, and the email holds no link that signs them in)."""
    message_send(
        kind=STAFF_INVITATION_MESSAGE,
        key=f"staff-invitation:{organisation.pk}:{user.pk}:{'+'.join(sorted(roles))}:{timezone.now():%Y%m%d%H%M%S%f}",
        person=user,
        context={
            "organisation": organisation,
            "roles": [StaffRole.Role(r).label for r in sorted(roles)],
            "invited_by": acting_user,
        },
        link=reverse("account_login"),
        subject=f"You have a staff role at {organisation.name}",
        topic=f"groups.staff:{organisation.pk}:{user.pk}",
        organisation_id=organisation.pk,
    )


@transaction.atomic
def staff_invite(
    *, organisation: Organisation, email: str, role: str, acting_user: User, full_name: str = ""
) -> StaffRole:
    """An organisation admin gives a person a staff role by their email address. A person with no account gets
    one, with no password (they sign in with a code sent to that address, which proves it); a person who
    already holds the role is told so (code "already_staff"). Either way the person is emailed."""
    _staff_roles_valid([role])
    email = email.strip().lower()
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None and not user.is_active:
        raise ValidationError(
            {"email": ValidationError("This account has been closed. Use another email address.", code="closed")}
        )
    if user is None:
        user = user_create(email=email, full_name=full_name.strip(), acting_user=acting_user)
    elif StaffRole.objects.filter(organisation=organisation, user=user, role=role).exists():
        raise ValidationError({"email": ValidationError("This person already has this role.", code="already_staff")})
    staff_role = staff_role_grant(organisation=organisation, user=user, role=role, acting_user=acting_user)
    staff_invitation_send(organisation=organisation, user=user, roles=[role], acting_user=acting_user)
    return staff_role


@transaction.atomic
def staff_roles_set(*, organisation: Organisation, user: User, roles, acting_user: User) -> dict[str, list[str]]:
    """Sets exactly which staff roles a person holds in the organisation (at least one: removing someone
    altogether is `person_remove_from_organisation`). An admin cannot take away their
    own admin role, and an organisation always keeps an admin. Records what was added and removed."""
    roles = _staff_roles_valid(roles)
    held = set(
        StaffRole.objects.select_for_update()
        .filter(organisation=organisation, user=user)
        .values_list("role", flat=True)
    )
    if not held:
        raise ValidationError("This person has no staff role here.", code="not_staff")
    added, removed = roles - held, held - roles
    if StaffRole.Role.ADMIN in removed:
        if user.pk == acting_user.pk:
            raise ValidationError(
                {"roles": ValidationError("You cannot take away your own admin role.", code="own_admin_role")}
            )
        if not _other_admins_exist(organisation=organisation, user=user):
            raise ValidationError(
                {"roles": ValidationError("The organisation needs at least one admin.", code="last_admin")}
            )
    StaffRole.objects.filter(organisation=organisation, user=user, role__in=removed).delete()
    for role in sorted(added):
        StaffRole.objects.create(organisation=organisation, user=user, role=role)
    if added or removed:
        audit_record(
            action="staff_roles.changed",
            actor=acting_user,
            obj=user,
            organisation_id=organisation.pk,
            data={"user_id": user.pk, "added": sorted(added), "removed": sorted(removed)},
        )
    forget_standing(user)
    return {"added": sorted(added), "removed": sorted(removed)}


@transaction.atomic
def person_remove_from_organisation(*, organisation: Organisation, person: User, acting_user: User) -> dict:
    """Removes a person from an organisation: every staff role they hold there ends, and every active
    membership of its groups ends (kept, with `left_at`, so the history stays true). One audit event records
    it all; once committed, `groups.events.member_left` is sent for each membership, so the apps above end what
    rested on it (future facilitator places, pending support requests, future answers, open follow-ups).
    Nobody removes themselves. Removing someone with nothing left there changes nothing."""
    if person.pk == acting_user.pk:
        raise ValidationError("You cannot remove yourself. Ask another organisation admin.", code="remove_self")
    roles = sorted(
        StaffRole.objects.select_for_update()
        .filter(organisation=organisation, user=person)
        .values_list("role", flat=True)
    )
    if StaffRole.Role.ADMIN in roles and not (
        StaffRole.objects.filter(organisation=organisation, role=StaffRole.Role.ADMIN).exclude(user=person).exists()
    ):
        raise ValidationError("The organisation needs at least one admin.", code="last_admin")
    memberships = list(
        Membership.objects.active()
        .select_for_update(of=("self",))
        .filter(user=person, group__organisation=organisation)
        .select_related("group")
        .order_by("pk")
    )
    if not roles and not memberships:
        return {"roles": [], "memberships": []}
    StaffRole.objects.filter(organisation=organisation, user=person).delete()
    now = timezone.now()
    for membership in memberships:
        membership.left_at = now
        membership.save(update_fields=["left_at"])
    audit_record(
        action="person.removed_from_organisation",
        actor=acting_user,
        obj=person,
        organisation_id=organisation.pk,
        data={
            "user_id": person.pk,
            "roles": roles,
            "memberships": [m.pk for m in memberships],
            "group_ids": [m.group_id for m in memberships],
        },
    )
    for membership in memberships:
        send_on_commit(events.member_left, sender=Membership, membership=membership, acting_user=acting_user)
    forget_standing(person)
    return {"roles": roles, "memberships": [m.pk for m in memberships]}


@transaction.atomic
def staff_roles_remove(*, organisation: Organisation, user: User, acting_user: User) -> list[str]:
    """Ends every staff role the person holds in the organisation and nothing else (their group memberships stay;
    a facilitator's management of their groups rests on the role, so it ends too). Taking someone out of the
    organisation altogether is `person_remove_from_organisation`. Nobody removes their own roles, and the last
    admin stays. Records the roles that ended."""
    held = sorted(
        StaffRole.objects.select_for_update()
        .filter(organisation=organisation, user=user)
        .values_list("role", flat=True)
    )
    if not held:
        raise ValidationError("This person has no staff role here.", code="not_staff")
    if user.pk == acting_user.pk:
        raise ValidationError("You cannot remove yourself. Ask another organisation admin.", code="remove_self")
    if StaffRole.Role.ADMIN in held and not _other_admins_exist(organisation=organisation, user=user):
        raise ValidationError("The organisation needs at least one admin.", code="last_admin")
    StaffRole.objects.filter(organisation=organisation, user=user).delete()
    audit_record(
        action="staff_roles.removed",
        actor=acting_user,
        obj=user,
        organisation_id=organisation.pk,
        data={"user_id": user.pk, "roles": held},
    )
    forget_standing(user)
    return held


@transaction.atomic
def two_step_request(*, person: User, acting_user: User, on: bool) -> bool:
    """An organisation admin asks for a person in their organisation to be offered two-step sign-in (or stops
    asking). Staff are offered it anyway; for a parent or carer it is offered only when an admin asks. Setting
    it to what it already is changes nothing and records nothing. Returns whether anything changed."""
    person = User.objects.select_for_update().get(pk=person.pk)
    shared = _organisations_current(person) & {
        org_id for org_id, roles in standing(acting_user).roles.items() if StaffRole.Role.ADMIN in roles
    }
    if not getattr(acting_user, "is_authenticated", False) or not acting_user.is_active or not shared:
        raise PermissionDenied("You do not have permission to do that.")
    on = bool(on)
    if person.two_step_requested == on:
        return False
    person.two_step_requested = on
    person.save(update_fields=["two_step_requested"])
    audit_record(
        action="two_step.requested" if on else "two_step.request_withdrawn",
        actor=acting_user,
        obj=person,
        organisation_id=min(shared),
        data={"user_id": person.pk, "on": on},
    )
    return True


def _organisations_current(person: User) -> set[int]:
    """Organisations where the person holds a staff role or a current membership."""
    ids = set(StaffRole.objects.filter(user=person).values_list("organisation_id", flat=True))
    ids |= set(Membership.objects.active().filter(user=person).values_list("group__organisation_id", flat=True))
    return ids
