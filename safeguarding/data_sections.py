"""Everything held about a person, for their own download (`core.extensions.person_data`): what groups,
sessions_app and safeguarding hold. groups and sessions_app cannot answer for themselves here without importing
upward, so safeguarding (which owns data rights) reads their models; payments answers for itself
(payments/data_sections.py).

Each receiver runs a fixed number of queries whatever the person's history. Rows are dicts of plain values keyed
by a plain English column name. What the organisation may lawfully withhold (a safeguarding record about the
person) is never silently left out: it is listed under `withheld` for a safeguarding lead to review, without
anything of what it says.
"""

from core import extensions
from core.extensions import DataSection
from core.money import format_pence
from groups.models import Acknowledgement, Membership, PathwayRole, StaffRole
from notifications import registry
from notifications.models import Message
from sessions_app.models import CheckIn, FollowUp, Rsvp, SupportRequest

from .models import Concern, ConcernPerson, ConsentRecord, SafetyPlan, SafetyPlanShare

WITHHELD = "A safeguarding record (number {n}), withheld for a safeguarding lead to review"
NOT_KEPT = "Not kept: this kind of message is sensitive, so only that it was sent is kept."


def withheld_label(concern_id: int) -> str:
    return WITHHELD.format(n=concern_id)


def _feeling(value) -> str:
    return dict(CheckIn.FEELINGS).get(value, "") if value else ""


# --- groups --------------------------------------------------------------------------------------------------


@extensions.person_data.register
def groups_data(*, person) -> list[DataSection]:
    """Profile, groups, agreements read, staff and pathway roles: four queries."""
    profile = DataSection(
        title="Your details",
        rows=[
            {
                "Email address": person.email,
                "Full name": person.full_name,
                "What you like to be called": person.preferred_name,
                "How to say your name": person.name_pronunciation,
                "Pronouns": person.pronouns,
                "Mobile phone number": person.phone,
                "Phone number confirmed": person.phone_confirmed_at,
                "How we contact you": person.get_contact_preference_display(),
                "Language you prefer": person.preferred_language,
                "Anything that helps you take part": person.access_needs,
                "Joined coprod": person.date_joined,
                "Last signed in": person.last_login,
                "Two-step sign-in asked for": person.two_step_requested,
            }
        ],
    )
    memberships = (
        Membership.objects.filter(user=person).select_related("group__organisation").order_by("joined_at", "pk")
    )
    groups = DataSection(
        title="Your groups",
        rows=[
            {
                "Group": m.group.name,
                "Organisation": m.group.organisation.name,
                "Your place": m.get_role_display(),
                "Joined": m.joined_at,
                "Left": m.left_at,
            }
            for m in memberships
        ],
    )
    acknowledgements = (
        Acknowledgement.objects.filter(user=person).select_related("version__group").order_by("acknowledged_at")
    )
    agreements = DataSection(
        title="Working-together agreements you read",
        rows=[
            {"Group": a.version.group.name, "Version": a.version.number, "Read and agreed": a.acknowledged_at}
            for a in acknowledgements
        ],
    )
    staff_roles = StaffRole.objects.filter(user=person).select_related("organisation").order_by("granted_at")
    pathway = PathwayRole.objects.filter(user=person).select_related("organisation").order_by("starts_on")
    roles = DataSection(
        title="Your roles",
        rows=[
            {
                "Role": r.get_role_display(),
                "Organisation": r.organisation.name,
                "From": r.granted_at,
                "Until": None,
            }
            for r in staff_roles
        ]
        + [
            {
                "Role": p.get_role_display(),
                "Organisation": p.organisation.name,
                "From": p.starts_on,
                "Until": p.ends_on,
            }
            for p in pathway
        ],
    )
    return [profile, groups, agreements, roles]


# --- sessions ------------------------------------------------------------------------------------------------


@extensions.person_data.register
def sessions_data(*, person) -> list[DataSection]:
    """Answers, support requests, check-ins with feelings, follow-ups about them, messages sent to them: five
    queries. Messages give their kind, channel, status and date, never the words of a sensitive kind."""
    rsvps = Rsvp.objects.filter(user=person).select_related("session").order_by("answered_at", "pk")
    answers = DataSection(
        title="Your answers to “Will you come?”",
        rows=[
            {
                "Session": r.session.title,
                "Date": r.session.starts_at,
                "Your answer": r.get_answer_display(),
                "On the waiting list since": r.waitlisted_at,
                "Answered": r.answered_at,
            }
            for r in rsvps
        ],
    )
    requests = SupportRequest.objects.filter(user=person).select_related("session").order_by("created_at", "pk")
    support = DataSection(
        title="Help you asked for to come to sessions",
        rows=[
            {
                "Session": s.session.title,
                "Date": s.session.starts_at,
                "Help": s.get_kind_display(),
                "Number of children": s.children_count,
                "Their ages": s.children_ages,
                "How you travel": s.get_travel_mode_display() if s.travel_mode else "",
                "Expected cost": format_pence(s.expected_cost_pence),
                "Language": s.language,
                "Anything else you told us": s.details,
                "What was decided": s.get_status_display(),
                "Amount agreed": format_pence(s.approved_amount_pence),
                "Reason given": s.decision_reason,
                "Asked": s.created_at,
            }
            for s in requests
        ],
    )
    checkins = CheckIn.objects.filter(user=person).select_related("session").order_by("checked_in_at", "pk")
    attendance = DataSection(
        title="Sessions you came to, and how you felt",
        rows=[
            {
                "Session": c.session.title,
                "Arrived": c.checked_in_at,
                "How you felt when you arrived": _feeling(c.checkin_feeling),
                "Left": c.checked_out_at,
                "How you felt when you left": _feeling(c.checkout_feeling),
                "You asked to talk afterwards": c.wants_to_talk,
            }
            for c in checkins
        ],
    )
    follow_ups_qs = FollowUp.objects.filter(person=person).select_related("session").order_by("created_at", "pk")
    follow_ups = DataSection(
        title="Calls from a facilitator after a session",
        rows=[
            {
                "Session": f.session.title,
                "Why": f.get_reason_display(),
                "Due by": f.due_on,
                "Done": f.closed_at,
                "Note of the call": f.note,
            }
            for f in follow_ups_qs
        ],
    )
    messages = Message.objects.filter(person=person).order_by("created_at", "pk")
    sent = DataSection(title="Messages we sent you", rows=[_message_row(m) for m in messages])
    return [answers, support, attendance, follow_ups, sent]


def _message_row(message: Message) -> dict:
    kind = registry.find_kind(message.kind)
    sensitive = bool(kind and kind.sensitive)
    return {
        "Kind": registry.kind_label(message.kind),
        "Sent by": message.get_channel_display(),
        "Status": message.get_status_display(),
        "Date": message.sent_at or message.created_at,
        "Subject": NOT_KEPT if sensitive else message.subject,
    }


# --- safeguarding --------------------------------------------------------------------------------------------


@extensions.person_data.register
def safeguarding_data(*, person) -> list[DataSection]:
    """Their safety plan and who it is shared with, their consent history, the concerns they raised (date and
    "received" only), and, withheld, each concern about them or naming them: five queries."""
    plan = SafetyPlan.objects.filter(person=person).first()
    plan_rows = []
    if plan is not None:
        plan_rows.append(
            {
                "What can upset me": plan.upsets_me or "",
                "Signs I'm struggling": plan.signs or "",
                "What helps": plan.helps or "",
                "Who to contact": plan.contacts or "",
                "What I'd like facilitators to do": plan.wishes or "",
                "Last changed": plan.updated_at,
            }
        )
    shares = SafetyPlanShare.objects.filter(plan__person=person).select_related("group").order_by("shared_at", "pk")
    plan_section = DataSection(title="Your safety plan", rows=plan_rows)
    shares_section = DataSection(
        title="Who your safety plan is shared with",
        rows=[
            {"Facilitators of": s.group.name, "Shared": s.shared_at, "Stopped sharing": s.stopped_at} for s in shares
        ],
    )
    consents = (
        ConsentRecord.objects.filter(person=person)
        .select_related("organisation")
        .order_by("organisation__name", "kind", "recorded_at", "pk")
    )
    consent_section = DataSection(
        title="What you agreed to, and when you changed your mind",
        rows=[
            {
                "Organisation": c.organisation.name,
                "About": c.get_kind_display(),
                "Your answer": "Yes" if c.given else "No",
                "How": c.get_how_display(),
                "When": c.recorded_at,
            }
            for c in consents
        ],
    )
    raised = Concern.objects.filter(raised_by=person).order_by("raised_at", "pk").values_list("raised_at", flat=True)
    raised_section = DataSection(
        title="Safeguarding concerns you told us about",
        rows=[{"Told us on": at, "What happened to it": "Received by a safeguarding lead"} for at in raised],
    )
    named = (
        ConcernPerson.objects.filter(person=person)
        .order_by("concern_id")
        .values_list("concern_id", flat=True)
        .distinct()
    )
    withheld_section = DataSection(
        title="Safeguarding records about you",
        withheld=[withheld_label(concern_id) for concern_id in named],
    )
    return [plan_section, shares_section, consent_section, raised_section, withheld_section]
