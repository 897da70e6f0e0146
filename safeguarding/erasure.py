"""What safeguarding does when a person is anonymised (`core.extensions.person_erasure`).

Their safety plan is theirs and was shared by their choice: its words are cleared and every share stopped.
Safeguarding records are kept whatever happens: concerns they raised or are named on, and their chronologies,
stay as they are (the people on them are anonymised by groups). Consent records stay as evidence of what was
agreed and when; they point at the anonymised person. Access they held to a concern ends.
"""

from django.db.models import Q
from django.utils import timezone

from core import extensions
from core.extensions import ErasureReport

from .models import AccessGrant, Concern, ConcernPerson, ConsentRecord, SafetyPlan, SafetyPlanShare, SessionDuty

PLAN_FIELDS = ("upsets_me", "signs", "helps", "contacts", "wishes")


@extensions.person_erasure.register
def erase_person(*, person, acting_user) -> ErasureReport:
    now = timezone.now()
    plan = SafetyPlan.objects.select_for_update().filter(person=person).first()
    shares_stopped = 0
    if plan is not None:
        for name in PLAN_FIELDS:
            setattr(plan, name, None)
        plan.updated_at = now
        plan.save(update_fields=[*PLAN_FIELDS, "updated_at"])
        shares_stopped = SafetyPlanShare.objects.filter(plan=plan, stopped_at__isnull=True).update(stopped_at=now)
    grants_ended = AccessGrant.objects.filter(person=person, ended_at__isnull=True, expires_at__gt=now).update(
        ended_at=now
    )
    concerns = Concern.objects.filter(
        Q(raised_by=person) | Q(pk__in=ConcernPerson.objects.filter(person=person).values("concern_id"))
    ).count()
    consents = ConsentRecord.objects.filter(person=person).count()
    duties = SessionDuty.objects.filter(lead=person).count()
    erased = []
    if plan is not None:
        erased += ["what their safety plan said", f"sharing of their safety plan, stopped (groups: {shares_stopped})"]
    if grants_ended:
        erased.append(f"access they held to safeguarding records, ended ({grants_ended})")
    return ErasureReport(
        app="safeguarding",
        erased=erased or ["nothing: they had no safety plan and held no access to safeguarding records"],
        kept=[
            f"safeguarding concerns they raised or are named on, with their chronologies ({concerns}): "
            "safeguarding records are always kept",
            f"consent records ({consents}): the evidence of what was agreed and when",
            f"sessions they were the safeguarding lead on duty for ({duties})",
        ],
    )
