"""Consent with its history: photographs, film, quotes, sharing details with partners, research contact.

Each decision is a new `ConsentRecord` row; the newest per person, organisation and kind is what holds, and the
rows before it are its history. Nothing is edited or deleted: withdrawing is a new row with given=False. A
person records their own online; staff who meet people (facilitators, organisation admins) record one given in
person, on paper or by phone.

**Every export leaves out what consent does not allow.** Code that exports or publishes people's photographs,
film, words or details asks `people_allowing(organisation_id=..., kind=..., person_ids=...)` for the people
whose newest decision of that kind is "yes", and leaves everyone else out. No record means no consent."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery

from core.audit import audit_record
from groups.models import Organisation, User
from groups.permissions import R, has_role, in_organisation

from ..models import ConsentHow, ConsentKind, ConsentRecord

STAFF_WAYS = (ConsentHow.IN_PERSON, ConsentHow.PAPER, ConsentHow.PHONE)


@transaction.atomic
def consent_record(
    *, person: User, organisation: Organisation, acting_user: User, kind: str, given: bool, how: str
) -> ConsentRecord:
    """Appends one decision. The person themselves records theirs online (code "online_only" for another way);
    a facilitator or admin of the organisation records one given in person, on paper or by phone (code
    "not_allowed" for anyone else, "staff_how" for "online"). The person must belong to the organisation
    (code "not_in_organisation")."""
    if kind not in ConsentKind.values:
        raise ValidationError("Choose what the consent is for.", code="unknown_kind")
    if how not in ConsentHow.values:
        raise ValidationError("Choose how the consent was given.", code="unknown_how")
    if acting_user.pk == person.pk:
        if how != ConsentHow.ONLINE:
            raise ValidationError("Your own choices are recorded as given online.", code="online_only")
    else:
        if not has_role(acting_user, organisation.pk, R.FACILITATOR, R.ADMIN):
            raise ValidationError(
                "Only the person, or a facilitator or admin of the organisation, can record consent.",
                code="not_allowed",
            )
        if how not in STAFF_WAYS:
            raise ValidationError("Say whether it was given in person, on a paper form or by phone.", code="staff_how")
    if not in_organisation(person, organisation.pk):
        raise ValidationError("This person does not belong to the organisation.", code="not_in_organisation")
    record = ConsentRecord(
        person=person, organisation=organisation, kind=kind, given=bool(given), how=how, recorded_by=acting_user
    )
    record.full_clean()
    record.save()
    audit_record(
        action="consent.given" if record.given else "consent.withdrawn",
        actor=acting_user,
        obj=record,
        organisation_id=organisation.pk,
        data={"person_id": person.pk, "kind": kind, "how": how},
    )
    return record


def _newest_per_kind(*, organisation_id: int, person_ids, kinds=None):
    """The newest record of each person and kind, in one query: a correlated subquery on the `consent_current`
    index (organisation, person, kind, newest first), so it runs on PostgreSQL and SQLite alike."""
    newest = (
        ConsentRecord.objects.filter(
            organisation_id=organisation_id, person_id=OuterRef("person_id"), kind=OuterRef("kind")
        )
        .order_by("-recorded_at", "-pk")
        .values("pk")[:1]
    )
    rows = ConsentRecord.objects.filter(organisation_id=organisation_id, person_id__in=list(person_ids))
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.filter(pk=Subquery(newest)).order_by()


def consent_given_expression(*, organisation_id: int, kind: str, person_ref: str = "pk") -> Subquery:
    """For a query about people: whether the person at `person_ref` (an OuterRef path, "pk" on User) last said
    yes to `kind` in the organisation (True, False, or None when never asked). Lets a page that lists people
    learn their consent in the same query (the check-in markers)."""
    newest = (
        ConsentRecord.objects.filter(organisation_id=organisation_id, person_id=OuterRef(person_ref), kind=kind)
        .order_by("-recorded_at", "-pk")
        .values("given")[:1]
    )
    return Subquery(newest)


def consent_current(*, person_ids, organisation_id: int) -> dict[int, dict[str, bool]]:
    """{person id: {kind: given}} for every person asked about (an empty dict for someone with no record), from
    each person's newest decision of each kind. One query. A kind missing from a person's dict was never
    asked: treat it as not given."""
    person_ids = list(person_ids)
    result: dict[int, dict[str, bool]] = {pid: {} for pid in person_ids}
    if not person_ids:
        return result
    for pid, kind, given in _newest_per_kind(organisation_id=organisation_id, person_ids=person_ids).values_list(
        "person_id", "kind", "given"
    ):
        result[pid][kind] = given
    return result


def people_allowing(*, organisation_id: int, kind: str, person_ids) -> set[int]:
    """The people among `person_ids` whose newest decision of `kind` in the organisation is "yes". Every export
    (photographs, film, quotes, details for partners, research lists) keeps only these people: no record, or a
    withdrawal, leaves the person out. One query."""
    if kind not in ConsentKind.values:
        raise ValueError(f"consent: unknown kind {kind!r}")
    person_ids = list(person_ids)
    if not person_ids:
        return set()
    rows = _newest_per_kind(organisation_id=organisation_id, person_ids=person_ids, kinds=[kind])
    return set(rows.filter(given=True).values_list("person_id", flat=True))
