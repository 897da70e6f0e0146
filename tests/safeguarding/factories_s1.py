"""Builders for the concern, alert and grant tests (S1). Data goes through the services."""

import pytest

from groups.models import StaffRole
from notifications import backends
from safeguarding.services import concerns as concern_services
from tests.conftest import give_recent_second_step

WHAT = "Jo said her partner hit her last night and she is scared to go home."


def raise_concern(organisation, by, *, what=WHAT, when="Last night", immediate_risk=False, people=(), **extra):
    return concern_services.concern_raise(
        organisation=organisation,
        acting_user=by,
        what_happened=what,
        when_happened=when,
        immediate_risk=immediate_risk,
        people=list(people),
        **extra,
    )


@pytest.fixture
def second_lead(make_user, organisation, grant):
    """Another safeguarding lead of the organisation, who wants texts too (a confirmed phone)."""
    return grant(
        make_user(email="lee@example.test", full_name="Lee Lead", phone="07700900123", contact_preference="both"),
        organisation,
        StaffRole.Role.SAFEGUARDING_LEAD,
    )


@pytest.fixture
def other_org_lead(make_user, other_organisation, grant):
    return grant(
        make_user(email="hill-lead@example.test", full_name="Hil Lead"),
        other_organisation,
        StaffRole.Role.SAFEGUARDING_LEAD,
    )


@pytest.fixture
def texts():
    backends.LocmemSmsBackend.outbox.clear()
    yield backends.LocmemSmsBackend.outbox
    backends.LocmemSmsBackend.outbox.clear()


def stepped_up(client, user):
    """`client` signed in as `user`, who has just given their two-step code."""
    return give_recent_second_step(client, user)
