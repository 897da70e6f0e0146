"""Writes for people, groups, memberships, agreements and invitations. Each function states the rule it keeps."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Invitation,
    Membership,
    Organisation,
    StaffRole,
    User,
)
from .permissions import forget_standing

DEFAULT_AGREEMENT = """We listen to each other and take turns to speak.
Everyone's experience counts the same: parents, carers and professionals.
What is shared in the group stays in the group, unless someone may be at risk of harm.
We use plain words and explain any short forms or jargon.
It is fine to take a break, step out, or say "pass".
We start and finish on time, with a check-in and a check-out."""


@transaction.atomic
def user_create(
    *, email: str, full_name: str = "", password: str | None = None, verified: bool = False, **profile
) -> User:
    """One person per email address (case-insensitive); their address is recorded for allauth."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name, **profile)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


@transaction.atomic
def user_update_profile(*, user: User, **fields) -> User:
    """A person edits their own profile; text messages need a phone number (checked by the database too)."""
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def staff_role_grant(*, organisation: Organisation, user: User, role: str) -> StaffRole:
    obj, _ = StaffRole.objects.get_or_create(organisation=organisation, user=user, role=role)
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
    if parent_quorum is None:
        parent_quorum = Group.default_quorum_for(kind)
    group = Group(organisation=organisation, name=name, kind=kind, purpose=purpose, parent_quorum=parent_quorum)
    group.full_clean()
    group.save()
    AgreementVersion.objects.create(
        group=group, number=1, text=agreement_text or DEFAULT_AGREEMENT, created_by=acting_user
    )
    if StaffRole.objects.filter(organisation=organisation, user=acting_user, role=StaffRole.Role.FACILITATOR).exists():
        membership_add(group=group, user=acting_user, role=Membership.Role.FACILITATOR, acting_user=acting_user)
    return group


@transaction.atomic
def group_update(*, group: Group, acting_user: User, **fields) -> Group:
    for name, value in fields.items():
        setattr(group, name, value)
    group.full_clean()
    group.save()
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
    forget_standing(user)
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership, acting_user: User) -> Membership:
    """Leaving ends the membership but keeps it, so the group's history stays true."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.left_at is None:
        membership.left_at = timezone.now()
        membership.save(update_fields=["left_at"])
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
        raise ValidationError({"text": "Write the agreement before saving it."})
    Group.objects.select_for_update().get(pk=group.pk)
    current = agreement_current(group=group)
    if current and current.text.strip() == text:
        raise ValidationError({"text": "This is the same as the current agreement. Change something, or cancel."})
    version = AgreementVersion(
        group=group, number=(current.number + 1 if current else 1), text=text, created_by=acting_user
    )
    version.full_clean()
    version.save()
    return version


@transaction.atomic
def agreement_acknowledge(*, version: AgreementVersion, user: User) -> Acknowledgement:
    """Only active members acknowledge, only the current version, and only once (a database constraint)."""
    if not Membership.objects.active().filter(group_id=version.group_id, user=user).exists():
        raise ValidationError("Only members of this group can acknowledge its agreement.")
    current = agreement_current(group=version.group)
    if current is None or current.pk != version.pk:
        raise ValidationError("This agreement has been updated. Please read the new version.")
    ack, _ = Acknowledgement.objects.get_or_create(version=version, user=user)
    return ack


def _invitation_email(invitation: Invitation) -> tuple[str, str]:
    link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[invitation.token])
    body = render_to_string("groups/email/invitation.txt", {"invitation": invitation, "link": link})
    subject = f"You are invited to join {invitation.group.name}"
    return subject, body


def invitation_send(*, invitation: Invitation) -> None:
    subject, body = _invitation_email(invitation)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invitation_create(*, group: Group, email: str, role: str, acting_user: User, full_name: str = "") -> Invitation:
    """One open invitation per address and group: inviting again re-sends the open one with a fresh expiry.
    A person who is already a member is not invited. The email goes out after the transaction commits."""
    email = email.strip().lower()
    if Membership.objects.active().filter(group=group, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the group."})
    expires = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(group=group, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
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
            raise ValidationError({"email": "This person has just been invited by someone else."}) from None
    transaction.on_commit(lambda: invitation_send(invitation=invitation))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, acting_user: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_find_open(*, token: str) -> Invitation | None:
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
    A signed-in person may only accept an invitation sent to their own address."""
    invitation = Invitation.objects.select_for_update().select_related("group").get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(
            "This invitation has expired or has already been used. Ask the facilitator to send a new one."
        )
    if signed_in_user is not None and signed_in_user.email.lower() != invitation.email.lower():
        raise ValidationError(
            "This invitation was sent to a different email address. Sign out first, then open the link again."
        )
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = user_create(
            email=invitation.email, full_name=full_name.strip(), verified=True, preferred_name=preferred_name.strip()
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
    return membership


def sign_in_sessions_clear_expired() -> int:
    """Expired browser sessions are deleted so the session table does not grow without end."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
