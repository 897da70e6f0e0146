"""Anonymising a person who leaves (groups.services.person_anonymise): their safety plan's words are cleared and
its sharing stopped; safeguarding concerns and their chronologies, and consent records, are kept as they are."""

from datetime import timedelta

from django.utils import timezone

from core.models import AuditEvent
from groups import services
from safeguarding.models import AccessGrant, Concern, ConsentRecord, SafetyPlan, SafetyPlanShare
from tests.safeguarding.factories_s3 import SECRET_WORDS, make_concern, make_consent, make_plan


def test_anonymising_clears_the_plan_and_keeps_safeguarding_records_and_consent(
    group_with_members, organisation, parent, facilitator, org_admin, safeguarding_lead
):
    # given: a shared plan, consent given then withdrawn, a concern they raised, one about them, access to one
    plan = make_plan(person=parent, group=group_with_members)
    make_consent(person=parent, organisation=organisation, given=True)
    make_consent(person=parent, organisation=organisation, given=False)
    raised = make_concern(organisation=organisation, raised_by=parent, text="I am worried about a friend.")
    about = make_concern(organisation=organisation, raised_by=facilitator, about=parent, state="closed")
    grant = AccessGrant.objects.create(
        concern=raised,
        person=parent,
        kind="granted",
        reason="To add what she saw.",
        granted_by=safeguarding_lead,
        expires_at=timezone.now() + timedelta(days=1),
    )

    # when
    reports = services.person_anonymise(person=parent, acting_user=org_admin, reason="asked")

    # then: the plan's words are gone and nobody reads it any more
    plan = SafetyPlan.objects.get(pk=plan.pk)
    assert [plan.upsets_me, plan.signs, plan.helps, plan.contacts, plan.wishes] == [None] * 5
    assert not SafetyPlanShare.objects.filter(plan=plan, stopped_at__isnull=True).exists()
    assert SafetyPlanShare.objects.filter(plan=plan).count() == 1  # the history of sharing stays
    assert AccessGrant.objects.get(pk=grant.pk).ended_at is not None
    # safeguarding records and consent are kept, unchanged
    assert Concern.objects.get(pk=about.pk).what_happened == f"The baby had a {SECRET_WORDS}."
    assert Concern.objects.get(pk=about.pk).people.get().person_id == parent.pk
    assert Concern.objects.get(pk=raised.pk).raised_by_id == parent.pk
    assert [c.given for c in ConsentRecord.objects.filter(person=parent).order_by("recorded_at", "pk")] == [True, False]
    # and the report says which is which
    report = next(r for r in reports if r.app == "safeguarding")
    assert report.erased == [
        "what their safety plan said",
        "sharing of their safety plan, stopped (groups: 1)",
        "access they held to safeguarding records, ended (1)",
    ]
    assert any("safeguarding concerns they raised or are named on" in k and "(2)" in k for k in report.kept)
    assert any(k.startswith("consent records (2)") for k in report.kept)
    event = AuditEvent.objects.get(action="person.anonymised")
    assert {"app": "safeguarding", "erased": report.erased, "kept": report.kept} in event.data["reports"]
    assert SECRET_WORDS not in str(event.data)


def test_a_person_with_nothing_in_safeguarding_is_anonymised_too(group_with_members, parent, org_admin):
    reports = services.person_anonymise(person=parent, acting_user=org_admin, reason="asked")

    report = next(r for r in reports if r.app == "safeguarding")
    assert report.erased == ["nothing: they had no safety plan and held no access to safeguarding records"]
    assert report.kept[0].startswith("safeguarding concerns they raised or are named on, with their chronologies (0)")
