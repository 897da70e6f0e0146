"""Concerns: raising one, and what the safeguarding leads do with it (triage, refer, close, edit, add to the
chronology, attach documents).

Rules kept here:
- anyone signed in inside an organisation may raise a concern there, about people of that organisation;
- a concern is never deleted or silently changed: each change adds a line to its chronology, and an edit keeps
  the earlier words there;
- nothing of what a concern says goes to the audit trail (its `data` holds ids and flags only), to logs, or to
  messages;
- a concern with someone at immediate risk alerts every safeguarding lead of the organisation once the
  concern is saved (services.alerts), even if the queue is down.
"""

import base64
from datetime import date

import filetype
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.validators import text_check, texts_check
from groups.models import Membership, StaffRole
from groups.permissions import has_perm

from ..models import (
    ChronologyEntry,
    Concern,
    ConcernDocument,
    ConcernPerson,
    EntryKind,
    ReferralAgency,
    Severity,
)
from . import alerts

WHAT_MAX = 5000
WHEN_MAX = 200
DESCRIPTION_MAX = 300
ENTRY_MAX = 5000
OUTCOME_MAX = 5000
REFERENCE_MAX = 100
TITLE_MAX = 150
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
# What a document may be, checked by its content (its first bytes), never by its name or what the browser says.
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
}
# The status changes only through the model's transitions: full_clean must not assign it.
PROTECTED = ["status"]
# The kinds of line a lead adds by hand; the others are written by the services.
HAND_ENTRY_KINDS = (EntryKind.NOTE, EntryKind.ACTION)


def organisation_people_ids(*, organisation_id: int, person_ids) -> set[int]:
    """Of `person_ids`, those who belong to the organisation now: an active member of one of its groups, or
    holding a staff role in it."""
    ids = {int(pk) for pk in person_ids}
    if not ids:
        return set()
    members = Membership.objects.active().filter(group__organisation_id=organisation_id, user_id__in=ids)
    staff = StaffRole.objects.filter(organisation_id=organisation_id, user_id__in=ids)
    return set(members.values_list("user_id", flat=True)) | set(staff.values_list("user_id", flat=True))


def _locked(concern: Concern) -> Concern:
    """The concern's row, locked for this transaction (the status is protected: never refreshed in place)."""
    return Concern.objects.select_for_update().get(pk=concern.pk)


def _entry(*, concern: Concern, kind: str, acting_user, text: str = "", happened_on: date | None = None):
    entry = ChronologyEntry(
        concern=concern,
        kind=kind,
        text=text or None,
        happened_on=happened_on or timezone.localdate(),
        recorded_by=acting_user,
    )
    entry.full_clean()
    entry.save()
    return entry


def _require_lead(*, concern: Concern, acting_user) -> None:
    if not has_perm(acting_user, "safeguarding.concern.manage", concern):
        raise ValidationError("Only the organisation's safeguarding leads can change a concern.", code="not_lead")


def _touch(concern: Concern) -> None:
    concern.updated_at = timezone.now()
    concern.full_clean(exclude=PROTECTED)
    concern.save()


def concern_raise(
    *,
    organisation,
    acting_user,
    what_happened: str,
    when_happened: str = "",
    immediate_risk: bool,
    people: list,
    people_description: str = "",
    session=None,
    group=None,
) -> Concern:
    """Saves a concern raised by anyone signed in inside the organisation, about people of the organisation
    (or someone described in words), with a first chronology line "Concern raised". When someone is at
    immediate risk, every safeguarding lead is alerted after the concern is saved."""
    if not has_perm(acting_user, "safeguarding.raise", organisation):
        raise ValidationError("You can only raise a concern in an organisation you belong to.", code="not_member")
    what_happened = (what_happened or "").strip()
    when_happened = (when_happened or "").strip()
    people_description = (people_description or "").strip()
    if not what_happened:
        raise ValidationError({"what_happened": ValidationError("Say what happened.", code="what_required")})
    texts_check(
        what_happened=(what_happened, "what happened", WHAT_MAX, True),
        when_happened=(when_happened, "when it happened", WHEN_MAX, False),
        people_description=(people_description, "the description", DESCRIPTION_MAX, False),
    )
    if session is not None:
        group = session.group
    if group is not None and group.organisation_id != organisation.pk:
        raise ValidationError("That group is not part of this organisation.", code="wrong_organisation")
    person_ids = {p.pk for p in people}
    if person_ids - organisation_people_ids(organisation_id=organisation.pk, person_ids=person_ids):
        raise ValidationError(
            {"people": ValidationError("Choose only people from this organisation.", code="not_in_organisation")}
        )
    with transaction.atomic():
        concern = Concern(
            organisation=organisation,
            raised_by=acting_user,
            session=session,
            group=group,
            what_happened=what_happened,
            when_happened=when_happened or None,
            immediate_risk=bool(immediate_risk),
        )
        concern.full_clean(exclude=PROTECTED)
        concern.save()
        ConcernPerson.objects.bulk_create(
            [ConcernPerson(concern=concern, person_id=pk) for pk in sorted(person_ids)]
            + ([ConcernPerson(concern=concern, description=people_description)] if people_description else [])
        )
        _entry(concern=concern, kind=EntryKind.RAISED, acting_user=acting_user)
        audit_record(
            action="concern.raised",
            actor=acting_user,
            obj=concern,
            data={"concern": concern.pk, "immediate_risk": concern.immediate_risk},
        )
        if concern.immediate_risk:
            alerts.alert_leads_after_commit(concern_id=concern.pk, reason=alerts.RAISED)
    return concern


def concern_triage(*, concern: Concern, acting_user, severity: str, owner) -> Concern:
    """A lead says how serious a new concern is and who owns it (a safeguarding lead of the organisation)."""
    _require_lead(concern=concern, acting_user=acting_user)
    if severity not in Severity.values:
        raise ValidationError({"severity": ValidationError("Choose how serious it is.", code="bad_severity")})
    if owner is None or not alerts.is_current_lead(user=owner, organisation_id=concern.organisation_id):
        raise ValidationError(
            {"owner": ValidationError("Choose one of the organisation's safeguarding leads.", code="owner_not_lead")}
        )
    with transaction.atomic():
        concern = _locked(concern)
        if concern.status != Concern.Status.NEW:
            raise ValidationError("This concern has already been triaged.", code="not_new")
        concern.triage(severity=severity, owner=owner)
        _touch(concern)
        _entry(
            concern=concern,
            kind=EntryKind.TRIAGED,
            acting_user=acting_user,
            text=f"Severity: {Severity(severity).label}. Owner: {owner.display_name}.",
        )
        audit_record(
            action="concern.triaged",
            actor=acting_user,
            obj=concern,
            data={"concern": concern.pk, "severity": severity, "owner": owner.pk},
        )
    return concern


def concern_refer(*, concern: Concern, acting_user, agency: str, reference: str = "") -> Concern:
    """A lead records that the concern was referred to an agency, with its reference if there is one."""
    _require_lead(concern=concern, acting_user=acting_user)
    reference = (reference or "").strip()
    if agency not in ReferralAgency.values:
        raise ValidationError({"agency": ValidationError("Choose who it was referred to.", code="bad_agency")})
    try:
        text_check(reference, noun="the reference", limit=REFERENCE_MAX)
    except ValidationError as error:
        raise ValidationError({"reference": error}) from None
    with transaction.atomic():
        concern = _locked(concern)
        if concern.status not in (Concern.Status.NEW, Concern.Status.TRIAGED):
            raise ValidationError("This concern can no longer be referred.", code="cannot_refer")
        concern.refer(agency=agency, reference=reference or None)
        _touch(concern)
        text = f"Referred to {ReferralAgency(agency).label}."
        if reference:
            text += f" Reference: {reference}."
        _entry(concern=concern, kind=EntryKind.REFERRED, acting_user=acting_user, text=text)
        audit_record(
            action="concern.referred", actor=acting_user, obj=concern, data={"concern": concern.pk, "agency": agency}
        )
    return concern


def concern_close(*, concern: Concern, acting_user, outcome: str) -> Concern:
    """A lead closes a concern, saying its outcome. A closed concern is kept, never deleted."""
    _require_lead(concern=concern, acting_user=acting_user)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": ValidationError("Say what the outcome was.", code="outcome_required")})
    try:
        text_check(outcome, noun="the outcome", limit=OUTCOME_MAX, multi_line=True)
    except ValidationError as error:
        raise ValidationError({"outcome": error}) from None
    with transaction.atomic():
        concern = _locked(concern)
        if concern.status == Concern.Status.CLOSED:
            raise ValidationError("This concern is already closed.", code="already_closed")
        concern.close(outcome=outcome)
        _touch(concern)
        _entry(concern=concern, kind=EntryKind.CLOSED, acting_user=acting_user, text=outcome)
        audit_record(action="concern.closed", actor=acting_user, obj=concern, data={"concern": concern.pk})
    return concern


def concern_edit(*, concern: Concern, acting_user, what_happened: str, when_happened: str = "") -> Concern:
    """A lead corrects what happened or when; the earlier words are kept in the chronology (kind "edited")."""
    _require_lead(concern=concern, acting_user=acting_user)
    what_happened = (what_happened or "").strip()
    when_happened = (when_happened or "").strip()
    if not what_happened:
        raise ValidationError({"what_happened": ValidationError("Say what happened.", code="what_required")})
    texts_check(
        what_happened=(what_happened, "what happened", WHAT_MAX, True),
        when_happened=(when_happened, "when it happened", WHEN_MAX, False),
    )
    with transaction.atomic():
        concern = _locked(concern)
        before_what, before_when = concern.what_happened, concern.when_happened or ""
        if (before_what, before_when) == (what_happened, when_happened):
            raise ValidationError("Nothing was changed.", code="unchanged")
        concern.what_happened = what_happened
        concern.when_happened = when_happened or None
        _touch(concern)
        _entry(
            concern=concern,
            kind=EntryKind.EDITED,
            acting_user=acting_user,
            text=f"What happened, before the edit:\n{before_what}\n\nWhen it happened, before the edit: "
            f"{before_when or '(not given)'}",
        )
        audit_record(action="concern.edited", actor=acting_user, obj=concern, data={"concern": concern.pk})
    return concern


def chronology_entry_add(
    *, concern: Concern, acting_user, kind: str, text: str, happened_on: date | None = None
) -> ChronologyEntry:
    """A lead adds a note or an action taken to the chronology, with the day it happened (not in the future)."""
    _require_lead(concern=concern, acting_user=acting_user)
    text = (text or "").strip()
    errors = {}
    if kind not in HAND_ENTRY_KINDS:
        errors["kind"] = ValidationError("Choose a note or an action taken.", code="bad_kind")
    if not text:
        errors["text"] = ValidationError("Write what to add.", code="text_required")
    else:
        try:
            text_check(text, noun="the text", limit=ENTRY_MAX, multi_line=True)
        except ValidationError as error:
            errors["text"] = error
    happened_on = happened_on or timezone.localdate()
    if happened_on > timezone.localdate():
        errors["happened_on"] = ValidationError("The date cannot be in the future.", code="future_date")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        concern = _locked(concern)
        _touch(concern)
        entry = _entry(concern=concern, kind=kind, acting_user=acting_user, text=text, happened_on=happened_on)
        audit_record(
            action="concern.entry_added",
            actor=acting_user,
            obj=concern,
            data={"concern": concern.pk, "entry": entry.pk, "kind": kind},
        )
    return entry


def document_type_of(data: bytes) -> str | None:
    """The content type of a PDF or an image we accept, told from the bytes themselves; None otherwise."""
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        return None
    return kind.mime


def concern_document_add(*, concern: Concern, acting_user, title: str, data: bytes) -> ConcernDocument:
    """A lead attaches a PDF or an image (checked by its content, at most 5 MB); it is stored encrypted."""
    _require_lead(concern=concern, acting_user=acting_user)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = ValidationError("Give the document a title.", code="title_required")
    else:
        try:
            text_check(title, noun="the title", limit=TITLE_MAX)
        except ValidationError as error:
            errors["title"] = error
    content_type = None
    if not data:
        errors["file"] = ValidationError("Choose a file.", code="file_required")
    elif len(data) > DOCUMENT_MAX_BYTES:
        errors["file"] = ValidationError("The file must be 5 MB or smaller.", code="file_too_big")
    else:
        content_type = document_type_of(data)
        if content_type is None:
            errors["file"] = ValidationError("The file must be a PDF or a picture (JPEG or PNG).", code="file_type")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        concern = _locked(concern)
        document = ConcernDocument(
            concern=concern,
            title=title,
            content=base64.b64encode(data).decode("ascii"),
            content_type=content_type,
            size=len(data),
            added_by=acting_user,
        )
        document.full_clean()
        document.save()
        _touch(concern)
        _entry(concern=concern, kind=EntryKind.DOCUMENT, acting_user=acting_user, text=f"Document added: {title}")
        audit_record(
            action="concern.document_added",
            actor=acting_user,
            obj=concern,
            data={"concern": concern.pk, "document": document.pk, "size": len(data)},
        )
    return document


def document_bytes(document: ConcernDocument) -> bytes:
    return base64.b64decode(document.content)


def document_file_name(document: ConcernDocument) -> str:
    """A name that says nothing of what the document is (the download list of a shared computer shows it)."""
    return f"concern-{document.concern_id}-document-{document.pk}.{DOCUMENT_TYPES.get(document.content_type, 'bin')}"
