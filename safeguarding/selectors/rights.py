"""Reads for data rights: everything held about a person (their own download), and the records of an
organisation past their retention period (for its safeguarding leads).

Every list is bounded: the retention page shows the first RETENTION_SHOWN records of each type not yet reviewed
and how many there are in all, in two queries per type."""

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from core import extensions
from core.extensions import DataSection
from core.models import AccessEvent
from core.templatetags.govuk import format_date, format_datetime
from groups.models import Membership, StaffRole
from notifications import registry
from notifications.models import Message, Status
from sessions_app.models import CheckIn, FollowUp

from ..models import (
    Concern,
    ConcernPerson,
    ConcernStatus,
    ConsentRecord,
    RecordType,
    RetentionReview,
    RetentionRule,
    SafetyPlan,
)

RETENTION_SHOWN = 50
DATA_REQUESTS_SHOWN = 50
# A person who asks for their data is answered within one month; requests stay on the leads' list this long.
DATA_REQUEST_DAYS = 31

MY_DATA = "my_data"  # what the access trail calls a person's download of their own data

WHAT_HAPPENS_NEXT = (
    "A safeguarding lead will review these and tell you within one month what they can share with you, and why "
    "anything is held back."
)

# Suggested periods, in months. The organisation must choose its own: nothing is listed for review until it has.
SUGGESTED_MONTHS = {
    RecordType.CONCERNS: 300,
    RecordType.SAFETY_PLANS: 12,
    RecordType.CONSENT: 72,
    RecordType.ATTENDANCE: 72,
    RecordType.FOLLOW_UPS: 72,
    RecordType.MESSAGES: 24,
    RecordType.PAYMENTS: 72,
}
# "Erase" is offered only where nothing else rests on the record: the words of a message (the log keeps that it
# was sent), and how a person felt at a session (the attendance times stay: payments and quorum rest on them).
# Safeguarding records are never erased.
ERASABLE = {RecordType.MESSAGES, RecordType.ATTENDANCE}
COUNTED_FROM = {
    RecordType.CONCERNS: "after the concern is closed",
    RecordType.SAFETY_PLANS: "after the person leaves",
    RecordType.CONSENT: "after the person leaves",
    RecordType.ATTENDANCE: "after the session",
    RecordType.FOLLOW_UPS: "after the follow-up is closed",
    RecordType.MESSAGES: "after the message was sent",
    RecordType.PAYMENTS: "after the claim was made",
}


# --- everything held about a person --------------------------------------------------------------------------


def person_data_sections(*, person) -> list[DataSection]:
    """Every app's sections, in the order the apps registered (groups, sessions, safeguarding, then payments)."""
    sections: list[DataSection] = []
    for result in extensions.person_data.call(person=person):
        sections.extend(result)
    return sections


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


@dataclass
class DataTable:
    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """A section of one record (their details, their safety plan) reads better as questions and answers."""
        return list(zip(self.columns, self.rows[0], strict=True)) if len(self.rows) == 1 else []


def person_data_tables(sections: list[DataSection]) -> list[DataTable]:
    """Each section as a table for the readable page: the columns every row has, in order, values as words."""
    tables = []
    for section in sections:
        columns: list[str] = []
        for row in section.rows:
            columns.extend(k for k in row if k not in columns)
        rows = [[_shown(row.get(c)) for c in columns] for row in section.rows]
        tables.append(DataTable(title=section.title, columns=columns, rows=rows, withheld=list(section.withheld)))
    return tables


def person_data_document(*, person, sections: list[DataSection]) -> dict:
    """The machine-readable download (dates in ISO 8601 through DjangoJSONEncoder)."""
    withheld = [w for s in sections for w in s.withheld]
    return {
        "about": f"Everything coprod holds about person {person.pk}",
        "made_at": timezone.now(),
        "sections": [{"title": s.title, "rows": s.rows, "withheld": s.withheld} for s in sections],
        "withheld": withheld,
        "what_happens_next": WHAT_HAPPENS_NEXT if withheld else "",
    }


# --- retention ------------------------------------------------------------------------------------------------


def retention_rules(*, organisation) -> dict[str, RetentionRule]:
    return {r.record_type: r for r in RetentionRule.objects.filter(organisation=organisation)}


def _not_reviewed(queryset: QuerySet, *, organisation, record_type: str) -> QuerySet:
    reviewed = RetentionReview.objects.filter(
        organisation=organisation, record_type=record_type, object_id=OuterRef("pk")
    )
    return queryset.filter(~Exists(reviewed))


def _left_filter(queryset: QuerySet, *, organisation, cutoff, person: str, anywhere: bool) -> QuerySet:
    """Rows whose person (at `person`) has left: no place in a group (of the organisation, or `anywhere`) and no
    staff role there, and their last place ended before `cutoff`."""
    scope = {} if anywhere else {"group__organisation": organisation}
    staff_scope = {} if anywhere else {"organisation": organisation}
    active = Membership.objects.filter(user=OuterRef(person), left_at__isnull=True, **scope)
    staff = StaffRole.objects.filter(user=OuterRef(person), **staff_scope)
    last_left = (
        Membership.objects.filter(user=OuterRef(person), **scope)
        .order_by(F("left_at").desc(nulls_last=True))
        .values("left_at")[:1]
    )
    had_place = Membership.objects.filter(user=OuterRef(person), group__organisation=organisation)
    return (
        queryset.annotate(last_left=Subquery(last_left))
        .filter(Exists(had_place))
        .filter(~Exists(active), ~Exists(staff), last_left__lt=cutoff)
    )


def retention_due_queryset(*, organisation, record_type: str, months: int, now=None) -> QuerySet | None:
    """The records of one type past `months`, not yet reviewed; None for a type not listed here (payments keep
    their own records: safeguarding cannot read them)."""
    cutoff = (now or timezone.now()) - relativedelta(months=months)
    qs: QuerySet | None
    if record_type == RecordType.CONCERNS:
        qs = Concern.objects.filter(
            organisation=organisation, status=ConcernStatus.CLOSED, closed_at__lt=cutoff
        ).order_by("closed_at", "pk")
    elif record_type == RecordType.SAFETY_PLANS:
        qs = _left_filter(
            SafetyPlan.objects.select_related("person"),
            organisation=organisation,
            cutoff=cutoff,
            person="person",
            anywhere=True,
        ).order_by("last_left", "pk")
    elif record_type == RecordType.CONSENT:
        qs = _left_filter(
            ConsentRecord.objects.filter(organisation=organisation).select_related("person"),
            organisation=organisation,
            cutoff=cutoff,
            person="person",
            anywhere=False,
        ).order_by("recorded_at", "pk")
    elif record_type == RecordType.ATTENDANCE:
        feelings = Q(checkin_feeling__isnull=False) | Q(checkout_feeling__isnull=False) | Q(wants_to_talk=True)
        qs = (
            CheckIn.objects.filter(session__group__organisation=organisation, session__ends_at__lt=cutoff)
            .filter(feelings)
            .select_related("session", "user")
            .order_by("session__ends_at", "pk")
        )
    elif record_type == RecordType.FOLLOW_UPS:
        qs = (
            FollowUp.objects.filter(session__group__organisation=organisation, closed_at__lt=cutoff)
            .select_related("session", "person")
            .order_by("closed_at", "pk")
        )
    elif record_type == RecordType.MESSAGES:
        qs = (
            Message.objects.filter(organisation_id=organisation.pk, created_at__lt=cutoff)
            .exclude(status__in=[Status.PENDING, Status.HELD, Status.SENDING])
            .select_related("person")
            .order_by("created_at", "pk")
        )
    else:
        qs = None
    if qs is None:
        return None
    return _not_reviewed(qs, organisation=organisation, record_type=record_type)


def retention_describe(record_type: str, obj) -> tuple[str, object]:
    """What the leads' list says about one record, and its date: nothing of what a concern or a plan says."""
    if record_type == RecordType.CONCERNS:
        return f"Concern {obj.pk}, closed", obj.closed_at
    if record_type == RecordType.SAFETY_PLANS:
        return f"Safety plan of {obj.person.display_name}, who left", obj.last_left
    if record_type == RecordType.CONSENT:
        answer = "yes" if obj.given else "no"
        return f"{obj.person.display_name}: {obj.get_kind_display()}, {answer}, recorded", obj.recorded_at
    if record_type == RecordType.ATTENDANCE:
        return f"How {obj.user.display_name} felt at {obj.session.title}", obj.session.ends_at
    if record_type == RecordType.FOLLOW_UPS:
        return f"Follow-up call to {obj.person.display_name} after {obj.session.title}, closed", obj.closed_at
    if record_type == RecordType.MESSAGES:
        to = obj.person.display_name if obj.person_id else "an email address"
        channel = obj.get_channel_display().lower()
        return f"{registry.kind_label(obj.kind)} to {to} by {channel}, sent", obj.sent_at or obj.created_at
    return f"Record {obj.pk}", None


@dataclass
class RetentionRow:
    record_type: str
    label: str
    counted_from: str
    suggested: int
    months: int | None
    erasable: bool
    listed: bool
    items: list[dict] = field(default_factory=list)
    count: int = 0


def retention_overview(*, organisation, now=None) -> list[RetentionRow]:
    """Each record type: its period (or none yet), a suggestion, and the first records past it not reviewed."""
    now = now or timezone.now()
    rules = retention_rules(organisation=organisation)
    rows = []
    for record_type, label in RecordType.choices:
        rule = rules.get(record_type)
        row = RetentionRow(
            record_type=record_type,
            label=label,
            counted_from=COUNTED_FROM[record_type],
            suggested=SUGGESTED_MONTHS[record_type],
            months=rule.months if rule else None,
            erasable=record_type in ERASABLE,
            listed=record_type != RecordType.PAYMENTS,
        )
        if rule is not None:
            qs = retention_due_queryset(organisation=organisation, record_type=record_type, months=rule.months, now=now)
            if qs is not None:
                for obj in qs[:RETENTION_SHOWN]:
                    text, when = retention_describe(record_type, obj)
                    row.items.append({"object_id": obj.pk, "text": text, "when": when})
                row.count = len(row.items) if len(row.items) < RETENTION_SHOWN else qs.count()
        rows.append(row)
    return rows


def retention_item(*, organisation, record_type: str, object_id: int, now=None):
    """One record past its period and not reviewed, with its description; None if there is no such record."""
    rule = retention_rules(organisation=organisation).get(record_type)
    if rule is None:
        return None
    qs = retention_due_queryset(organisation=organisation, record_type=record_type, months=rule.months, now=now)
    obj = qs.filter(pk=object_id).first() if qs is not None else None
    if obj is None:
        return None
    text, when = retention_describe(record_type, obj)
    return {"object_id": obj.pk, "text": text, "when": when, "record_type": record_type, "months": rule.months}


def data_requests_withheld(*, organisation, now=None) -> list[dict]:
    """People who downloaded their data in the last month while named on a concern of this organisation: the
    records withheld from them, for a lead to review and answer within one month. Three queries."""
    since = (now or timezone.now()) - dt.timedelta(days=DATA_REQUEST_DAYS)
    # Only the people this organisation's concerns name (the trail keeps object ids as text), so other
    # organisations' requests never push this one's out of the bound.
    named_ids = (
        ConcernPerson.objects.filter(concern__organisation=organisation, person__isnull=False)
        .annotate(person_text=Cast("person_id", CharField()))
        .values("person_text")
    )
    downloads = (
        AccessEvent.objects.filter(
            kind=AccessEvent.Kind.DOWNLOAD,
            object_type="groups.user",
            data__what=MY_DATA,
            at__gte=since,
            object_id__in=named_ids,
        )
        .order_by("-at")
        .values_list("object_id", "at")[:500]
    )
    asked: dict[int, dt.datetime] = {}
    for object_id, at in downloads:
        if object_id.isdigit():
            asked.setdefault(int(object_id), at)  # the newest request of each person
    if not asked:
        return []
    named = (
        ConcernPerson.objects.filter(person_id__in=list(asked), concern__organisation=organisation)
        .select_related("person")
        .order_by("concern_id")[:DATA_REQUESTS_SHOWN]
    )
    return [
        {
            "concern_id": cp.concern_id,
            "person": cp.person.display_name,
            "asked_at": asked[cp.person_id],
            "reply_by": asked[cp.person_id] + relativedelta(months=1),
        }
        for cp in named
    ]
