"""What sessions_app erases when a person is anonymised (`core.extensions.person_erasure`).

Attendance, answers and support requests are evidence: a payment for childcare or travel, a meeting's
quorum, a facilitator's follow-up all rest on them. So their rows stay, pointing at the anonymised person, and
only what says something personal about them is cleared: how they felt, what they wrote, their private
calendar address.
"""

from core import extensions
from core.extensions import ErasureReport

from .models import CalendarFeed, CheckIn, FollowUp, SessionFacilitator, SupportRequest

REMOVED = "Removed when the person was anonymised."


@extensions.person_erasure.register
def erase_person(*, person, acting_user) -> ErasureReport:
    feeds, _ = CalendarFeed.objects.filter(user=person).delete()
    support = SupportRequest.objects.filter(user=person)
    support_count = support.update(children_ages="", details="")
    # The database asks an interpreter request to name its language and a declined one to give a reason.
    support.exclude(language="").update(language=REMOVED[:60])
    support.exclude(decision_reason="").update(decision_reason=REMOVED)
    checkins = CheckIn.objects.filter(user=person).update(
        checkin_feeling=None, checkout_feeling=None, wants_to_talk=False
    )
    follow_ups = FollowUp.objects.filter(person=person)
    follow_up_count = follow_ups.count()
    follow_ups.exclude(note="").update(note=REMOVED)
    SessionFacilitator.objects.filter(user=person).exclude(withdrawal_reason="").update(withdrawal_reason="")
    return ErasureReport(
        app="sessions_app",
        erased=[
            f"private calendar address ({feeds})",
            f"how they felt at check-in and check-out, and whether they asked to talk ({checkins} check-ins)",
            f"what they wrote on support requests: children's ages, language, details ({support_count} requests)",
            f"notes of follow-up calls ({follow_up_count})",
            "reasons they gave for stepping down as a facilitator",
        ],
        kept=[
            "answers to 'Will you come?' (places and waiting lists stay true)",
            f"support requests: kinds, amounts, decisions and dates ({support_count})",
            f"attendance: check-in and check-out times ({checkins})",
            f"follow-ups: that they happened, when and why ({follow_up_count})",
            "sessions they facilitated, decisions, actions and wins they recorded",
        ],
    )
