"""Builders for the data-rights, retention, erasure and demo tests (S3). Concerns are made as rows with the
model's own transitions (the concern services belong to another part of the work)."""

from datetime import datetime, timedelta

from django.utils import timezone

from notifications.models import Message
from safeguarding.models import Concern, ConcernPerson, ConsentRecord, ReferralAgency, SafetyPlan, SafetyPlanShare

SECRET_WORDS = "bruise on his arm"  # what a concern says: must never reach a person's download or a trail


def make_concern(*, organisation, raised_by, about=None, text=f"The baby had a {SECRET_WORDS}.", state="new"):
    concern = Concern(organisation=organisation, raised_by=raised_by, what_happened=text)
    concern.save()
    if about is not None:
        ConcernPerson.objects.create(concern=concern, person=about, description="Named in the session")
    if state in ("referred", "closed"):
        concern.refer(agency=ReferralAgency.SOCIAL_CARE, reference="REF-1")
        concern.save()
    if state == "closed":
        concern.close(outcome="Support in place.")
        concern.save()
    return Concern.objects.get(pk=concern.pk)


def make_plan(*, person, group=None):
    plan = SafetyPlan.objects.create(person=person, upsets_me="Loud voices", helps="A walk outside")
    if group is not None:
        SafetyPlanShare.objects.create(plan=plan, group=group)
    return plan


def make_consent(*, person, organisation, given=True, recorded_by=None, kind="photos", recorded_at=None):
    return ConsentRecord.objects.create(
        person=person,
        organisation=organisation,
        kind=kind,
        given=given,
        how=ConsentRecord.How.ONLINE,
        recorded_by=recorded_by or person,
        recorded_at=recorded_at or timezone.now(),
    )


def make_message(*, person, organisation, key, kind="reminder_days", created_at: datetime | None = None, **extra):
    created_at = created_at or timezone.now()
    fields = {
        "person": person,
        "channel": "email",
        "kind": kind,
        "key": key,
        "organisation_id": organisation.pk,
        "subject": "Reminder: Mothers' group on Tuesday",
        "body": "See you on Tuesday at 10am.",
        "link": "/sessions/1/",
        "address": person.email if person else "someone@example.test",
        "status": "sent",
        "sent_at": created_at + timedelta(minutes=1),
        "created_at": created_at,
    }
    fields.update(extra)
    return Message.objects.create(**fields)
