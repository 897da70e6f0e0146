"""Demo safeguarding data (`seed_demo`): a concern in each state, one with someone at immediate risk, a shared and
a private safety plan, photo consent given, withdrawn and never asked, the lead on duty for upcoming sessions.
Safe to run twice."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from groups.models import User
from safeguarding.models import (
    ChronologyEntry,
    Concern,
    ConcernPerson,
    ConsentRecord,
    SafetyPlan,
    SafetyPlanShare,
    SessionDuty,
)
from sessions_app.models import Session

MODELS = (Concern, ConcernPerson, ChronologyEntry, SafetyPlan, SafetyPlanShare, ConsentRecord, SessionDuty)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded_twice(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    return first


def test_seeding_twice_gives_each_state_once_and_nothing_twice(seeded_twice):
    assert counts() == seeded_twice
    by_status = dict(Concern.objects.values_list("status").annotate(n=Count("pk")))
    assert by_status == {"new": 1, "triaged": 1, "referred": 1, "closed": 1}
    referred = Concern.objects.get(status="referred")
    assert referred.referral_agency and referred.referral_reference
    closed = Concern.objects.get(status="closed")
    assert closed.outcome and closed.closed_at
    assert Concern.objects.filter(immediate_risk=True).count() == 1
    assert ConcernPerson.objects.count() == 4


def test_plans_consent_and_duty(seeded_twice):
    shared = SafetyPlanShare.objects.filter(stopped_at__isnull=True).values_list("plan_id", flat=True)
    assert SafetyPlan.objects.filter(pk__in=shared).count() == 1
    assert SafetyPlan.objects.exclude(pk__in=shared).count() == 1
    jodie = User.objects.get(email="parent2@example.org")
    assert [c.given for c in ConsentRecord.objects.filter(person=jodie, kind="photos").order_by("recorded_at")] == [
        True,
        False,
    ]
    grace = User.objects.get(email="parent4@example.org")
    assert not ConsentRecord.objects.filter(person=grace).exists()
    assert ConsentRecord.objects.filter(kind="photos", given=True).count() >= 10
    upcoming = Session.objects.filter(starts_at__gt=timezone.now())
    assert upcoming.exists()
    lead = User.objects.get(email="safeguarding@example.org")
    assert set(SessionDuty.objects.values_list("session_id", flat=True)) == set(upcoming.values_list("pk", flat=True))
    assert set(SessionDuty.objects.values_list("lead_id", flat=True)) == {lead.pk}
