"""seed_scale at a tiny size: every row keeps the models' rules, the same seed gives the same data, a database
with organisations is refused, and the seeded accounts can sign in (password, and the admins' two-step key)."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, OuterRef, Q

from bench.common import totp_now
from groups.models import Group, Membership, Organisation, User
from notifications.models import Message
from sessions_app.management.commands.seed_scale import (
    SCALE_PASSWORD,
    SCALE_TOTP_SECRET,
    email_of,
    sizes_for,
)
from sessions_app.models import CheckIn, FollowUp, QuorumRecord, Rsvp, Session, SessionFacilitator, SupportRequest

TINY = {"organisations": 2, "groups_per_org": 5, "people": 160, "sessions": 300, "years": 1, "seed": 3}

pytestmark = pytest.mark.django_db


def seed(**overrides):
    call_command("seed_scale", **{**TINY, **overrides})


def fingerprint(org):
    """What the random choices made for one organisation, in an order that does not depend on ids."""
    sessions = Session.objects.filter(group__organisation=org).order_by("group__name", "starts_at")
    return [
        (s.group.name, s.starts_at, s.status, s.format, s.n_rsvps, s.n_checkins)
        for s in sessions.select_related("group").annotate(
            n_rsvps=Count("rsvps", distinct=True), n_checkins=Count("checkins", distinct=True)
        )
    ]


def test_sizes_for_scale_one_and_ten():
    assert sizes_for(1) == {"organisations": 1, "groups_per_org": 40, "people": 1200, "sessions": 4000}
    assert sizes_for(10) == {"organisations": 10, "groups_per_org": 40, "people": 12000, "sessions": 40000}


def test_seeds_the_sizes_asked_for_with_every_session_keeping_the_rules():
    # when
    seed()

    # then: the sizes asked for
    assert Organisation.objects.count() == 2
    assert Group.objects.count() == 10
    assert User.objects.count() == 160
    assert Session.objects.count() == 300
    # two facilitators on every session: one lead, one support, different people
    per_session = (
        SessionFacilitator.objects.filter(withdrawn_at__isnull=True)
        .values("session")
        .annotate(
            leads=Count("pk", filter=Q(role="lead")),
            supports=Count("pk", filter=Q(role="support")),
            people=Count("user", distinct=True),
        )
    )
    assert len(per_session) == 300
    assert all(row["leads"] == 1 and row["supports"] == 1 and row["people"] == 2 for row in per_session)
    # answers only from members of the session's group, never from a session that is a draft
    assert Rsvp.objects.count() > 300
    member = Membership.objects.filter(group=OuterRef("session__group"), user=OuterRef("user"))
    assert not Rsvp.objects.exclude(Exists(member)).exists()
    assert not Rsvp.objects.filter(session__status="draft").exists()
    # check-ins only at sessions that happened, and follow-ups only for people checked in
    assert CheckIn.objects.count() > 100
    assert not CheckIn.objects.filter(session__status__in=["draft", "cancelled"]).exists()
    assert FollowUp.objects.exists()
    checked_in = CheckIn.objects.filter(session=OuterRef("session"), user=OuterRef("person"))
    assert not FollowUp.objects.exclude(Exists(checked_in)).exists()
    # quorum records only for committees, matching the parents checked in
    assert QuorumRecord.objects.exists()
    for record in QuorumRecord.objects.select_related("session__group"):
        assert record.session.group.parent_quorum == record.required
        parents = CheckIn.objects.filter(
            session=record.session,
            user__memberships__group=record.session.group,
            user__memberships__role=Membership.Role.PARENT,
        ).count()
        assert record.parents_present == parents
    assert SupportRequest.objects.filter(status="pending").exists()
    assert SupportRequest.objects.filter(status="approved").exists()
    # one invitation per member per published session, sent
    invitations = Message.objects.filter(kind="invitation", channel="email")
    assert invitations.count() > 1000
    assert not invitations.exclude(status="sent").exists()


def test_the_same_seed_gives_the_same_data():
    # given
    seed(organisations=1)
    first = Organisation.objects.get()

    # when: the same seed again, beside it
    seed(organisations=1, force=True)

    # then
    second = Organisation.objects.exclude(pk=first.pk).get()
    assert fingerprint(first) == fingerprint(second)
    assert len(fingerprint(first)) == TINY["sessions"]


def test_refuses_a_database_that_has_organisations(organisation):
    with pytest.raises(CommandError, match="already has organisations"):
        seed()
    assert Organisation.objects.count() == 1


def test_seeded_people_sign_in_with_the_published_password_and_admins_with_two_steps(client):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    # given
    seed(organisations=1)
    parent = User.objects.get(email=email_of("parent", 1, 1))
    admin = User.objects.get(email=email_of("admin", 1))

    # when
    response = client.post("/accounts/login/", {"login": parent.email, "password": SCALE_PASSWORD})

    # then
    assert response.status_code == 302
    assert client.get("/").context["user"] == parent
    totp = TOTP(Authenticator.objects.get(user=admin, type=Authenticator.Type.TOTP))
    assert totp.validate_code(totp_now(SCALE_TOTP_SECRET))
