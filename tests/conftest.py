"""Shared fixtures. Data that a business rule governs is built through the services, not around them."""

import os
import time
from datetime import UTC, datetime

import pytest

from groups import services
from groups.middleware import ROLES_NEEDING_TWO_STEP
from groups.models import Group, Membership, Organisation, StaffRole
from sessions_app import services as session_services

# Sync Playwright runs an asyncio loop in the test thread; Django must allow its ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ("celery.contrib.pytest", "tests.url_coverage")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


PASSWORD = "a-long-test-password"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - test key


def give_two_step(user):
    """An authenticator app (allauth TOTP) for the person, with TOTP_SECRET; once only."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)
    return user


def give_recent_second_step(client, user):
    """Signs `client` in as `user` as if they had just given their two-step code (what step-up pages ask for)."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.account.internal.userkit import user_id_to_str

    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = user_id_to_str(user)
    session.save()
    return client


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(email=None, full_name=None, password=PASSWORD, **extra):
        counter["n"] += 1
        if extra.get("phone"):
            # a person set up with a phone has confirmed it (groups.phone), unless the test says otherwise
            extra.setdefault("phone_confirmed_at", datetime(2020, 1, 1, tzinfo=UTC))
        n = counter["n"]
        return services.user_create(
            email=email or f"person{n}@example.test",
            full_name=full_name or f"Person {n}",
            password=password,
            verified=True,
            **extra,
        )

    return make


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(name="Bayside Partnership", slug="bayside")


@pytest.fixture
def other_organisation(db):
    return Organisation.objects.create(name="Hillside Partnership", slug="hillside")


@pytest.fixture
def grant(db):
    def grant_role(user, organisation, role):
        services.staff_role_grant(organisation=organisation, user=user, role=role)
        if role in ROLES_NEEDING_TWO_STEP:
            give_two_step(user)  # as real staff in these roles must have (groups.middleware)
        return user

    return grant_role


@pytest.fixture
def org_admin(make_user, organisation, grant):
    return grant(make_user(email="admin@example.test", full_name="Olu Admin"), organisation, StaffRole.Role.ADMIN)


@pytest.fixture
def facilitator(make_user, organisation, grant):
    return grant(
        make_user(email="facilitator@example.test", full_name="Fran Facilitator"),
        organisation,
        StaffRole.Role.FACILITATOR,
    )


@pytest.fixture
def facilitator2(make_user, organisation, grant):
    return grant(
        make_user(email="facilitator2@example.test", full_name="Femi Facilitator"),
        organisation,
        StaffRole.Role.FACILITATOR,
    )


@pytest.fixture
def safeguarding_lead(make_user, organisation, grant):
    return grant(
        make_user(email="safe@example.test", full_name="Sam Safeguarding"),
        organisation,
        StaffRole.Role.SAFEGUARDING_LEAD,
    )


@pytest.fixture
def finance_officer(make_user, organisation, grant):
    return grant(
        make_user(email="money@example.test", full_name="Fiona Finance"), organisation, StaffRole.Role.FINANCE_OFFICER
    )


@pytest.fixture
def governance_lead(make_user, organisation, grant):
    return grant(
        make_user(email="governance@example.test", full_name="Grace Governance"),
        organisation,
        StaffRole.Role.GOVERNANCE_LEAD,
    )


@pytest.fixture
def outsider(make_user, other_organisation, grant):
    """A facilitator of another organisation, running a group of their own there: everything of ours is a 404
    to them."""
    person = grant(
        make_user(email="outsider@example.test", full_name="Oscar Outsider"),
        other_organisation,
        StaffRole.Role.FACILITATOR,
    )
    services.group_create(
        organisation=other_organisation,
        name="Hillside parents",
        kind=Group.Kind.COPRODUCTION,
        purpose="Parents shaping Hillside's services.",
        acting_user=person,
    )
    return person


@pytest.fixture
def other_parent(other_group):
    """A parent of another group of the same organisation: inside the organisation, outside the group, so
    refused with a 403."""
    return other_group.memberships.get(user__email="dad@example.test").user


@pytest.fixture
def dad(other_parent):
    """The other group's parent, by the name the sessions tests know him by."""
    return other_parent


@pytest.fixture
def parent(make_user):
    return make_user(email="parent@example.test", full_name="Pat Parent")


@pytest.fixture
def professional(make_user):
    return make_user(email="professional@example.test", full_name="Prue Professional")


@pytest.fixture
def group_with_members(organisation, org_admin, facilitator, facilitator2, parent, professional):
    """A co-production group with two facilitators, one parent and one professional."""
    group = services.group_create(
        organisation=organisation,
        name="Mothers' group",
        kind=Group.Kind.COPRODUCTION,
        purpose="Mothers shaping support for babies born into care.",
        acting_user=facilitator,
    )
    services.membership_add(group=group, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator)
    services.membership_add(group=group, user=parent, role=Membership.Role.PARENT, acting_user=facilitator)
    services.membership_add(group=group, user=professional, role=Membership.Role.PROFESSIONAL, acting_user=facilitator)
    return group


@pytest.fixture
def other_group(organisation, facilitator2, make_user):
    """Another group in the same organisation, with its own parent."""
    group = services.group_create(
        organisation=organisation,
        name="Fathers' group",
        kind=Group.Kind.COPRODUCTION,
        purpose="Dads shaping services.",
        acting_user=facilitator2,
    )
    services.membership_add(
        group=group, user=make_user(email="dad@example.test"), role=Membership.Role.PARENT, acting_user=facilitator2
    )
    return group


@pytest.fixture
def venue(organisation, org_admin):
    """The organisation's meeting place, with every access detail a session page shows."""
    return session_services.venue_create(
        organisation=organisation,
        acting_user=org_admin,
        name="Bayside Family Hub",
        address="12 Harbour Road\nBayside BS1 2AB",
        step_free=True,
        parking=False,
        baby_changing=True,
        quiet_room=True,
        access_notes="Use the side door on Mill Lane; ask for Jo at reception.",
    )
