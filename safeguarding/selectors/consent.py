"""Reading consent: a person's choices in each organisation they belong to, with their history, for their own
page and for the staff page that records a consent given in person or on paper."""

from dataclasses import dataclass, field

from groups.models import Organisation, User
from groups.permissions import standing

from ..models import ConsentKind, ConsentRecord

# A person's history is short (a few changes a year per kind); this bounds a page however long it grows.
HISTORY_LIMIT = 500


@dataclass
class KindState:
    kind: str
    label: str
    current: ConsentRecord | None = None  # the newest decision, None when never asked
    history: list[ConsentRecord] = field(default_factory=list)  # the earlier ones, newest first

    @property
    def given(self) -> bool:
        return bool(self.current and self.current.given)


@dataclass
class OrganisationConsent:
    organisation: Organisation
    kinds: list[KindState]


def _states(records) -> list[KindState]:
    by_kind: dict[str, list[ConsentRecord]] = {}
    for r in records:
        by_kind.setdefault(r.kind, []).append(r)
    states = []
    for kind, label in ConsentKind.choices:
        rows = by_kind.get(kind, [])
        states.append(KindState(kind=kind, label=label, current=rows[0] if rows else None, history=rows[1:]))
    return states


def _records(*, person_id: int, organisation_ids):
    return list(
        ConsentRecord.objects.filter(person_id=person_id, organisation_id__in=list(organisation_ids))
        .select_related("recorded_by")
        .order_by("organisation_id", "kind", "-recorded_at", "-pk")[:HISTORY_LIMIT]
    )


def consent_overview(*, person: User) -> list[OrganisationConsent]:
    """For each organisation the person belongs to (by name): the five kinds, each with its newest decision
    and the earlier ones. Two queries (after the person's standing)."""
    org_ids = standing(person).organisation_ids
    if not org_ids:
        return []
    organisations = list(Organisation.objects.filter(pk__in=list(org_ids)).order_by("name"))
    records = _records(person_id=person.pk, organisation_ids=org_ids)
    return [
        OrganisationConsent(organisation=org, kinds=_states(r for r in records if r.organisation_id == org.pk))
        for org in organisations
    ]


def consent_of(*, person: User, organisation: Organisation) -> list[KindState]:
    """One person's five kinds in one organisation, with their history. One query."""
    return _states(_records(person_id=person.pk, organisation_ids=[organisation.pk]))
