"""Consent with its history: each decision a new row, withdrawal a new "no", the newest holds; the staff record
one given in person; exports keep only the people whose newest decision is "yes"."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from safeguarding.models import ConsentHow, ConsentKind, ConsentRecord
from safeguarding.services.consent import consent_current, consent_record, people_allowing
from tests.safeguarding.factories_s2 import LONDON

PHOTOS, QUOTES = ConsentKind.PHOTOS, ConsentKind.QUOTES


def own(person, organisation, kind, given):
    return consent_record(
        person=person, organisation=organisation, acting_user=person, kind=kind, given=given, how=ConsentHow.ONLINE
    )


def test_history_is_kept_and_withdrawing_is_a_new_no(group_with_members, organisation, parent):
    from datetime import datetime

    with time_machine.travel(datetime(2031, 1, 1, 9, tzinfo=LONDON), tick=False):
        first = own(parent, organisation, PHOTOS, True)
    with time_machine.travel(datetime(2031, 2, 1, 9, tzinfo=LONDON), tick=False):
        withdrawn = own(parent, organisation, PHOTOS, False)

    rows = list(ConsentRecord.objects.filter(person=parent, kind=PHOTOS).order_by("recorded_at"))
    assert [(r.pk, r.given) for r in rows] == [(first.pk, True), (withdrawn.pk, False)]
    assert consent_current(person_ids=[parent.pk], organisation_id=organisation.pk) == {parent.pk: {PHOTOS: False}}
    assert list(
        AuditEvent.objects.filter(action__startswith="consent.").order_by("pk").values_list("action", flat=True)
    ) == [
        "consent.given",
        "consent.withdrawn",
    ]

    # given again: the newest holds
    with time_machine.travel(datetime(2031, 3, 1, 9, tzinfo=LONDON), tick=False):
        own(parent, organisation, PHOTOS, True)
    assert consent_current(person_ids=[parent.pk], organisation_id=organisation.pk)[parent.pk][PHOTOS] is True
    assert ConsentRecord.objects.filter(person=parent).count() == 3


def test_staff_record_consent_given_in_person_on_paper_or_by_phone(
    group_with_members, organisation, parent, facilitator
):
    record = consent_record(
        person=parent,
        organisation=organisation,
        acting_user=facilitator,
        kind=QUOTES,
        given=True,
        how=ConsentHow.PAPER,
    )
    assert record.recorded_by == facilitator and record.how == ConsentHow.PAPER


@pytest.mark.parametrize(
    ("actor", "how", "code"),
    [
        ("parent", ConsentHow.PAPER, "online_only"),
        ("facilitator", ConsentHow.ONLINE, "staff_how"),
        ("professional", ConsentHow.IN_PERSON, "not_allowed"),
        ("safeguarding_lead", ConsentHow.IN_PERSON, "not_allowed"),
        ("outsider", ConsentHow.IN_PERSON, "not_allowed"),
    ],
)
def test_who_may_record_and_how(request, group_with_members, organisation, parent, actor, how, code):
    with pytest.raises(ValidationError) as error:
        consent_record(
            person=parent,
            organisation=organisation,
            acting_user=request.getfixturevalue(actor),
            kind=PHOTOS,
            given=True,
            how=how,
        )
    assert error.value.code == code
    assert not ConsentRecord.objects.exists()


def test_the_person_must_belong_to_the_organisation(organisation, other_organisation, make_user, facilitator):
    stranger = make_user()
    with pytest.raises(ValidationError) as error:
        own(stranger, organisation, PHOTOS, True)
    assert error.value.code == "not_in_organisation"
    with pytest.raises(ValidationError) as error:
        consent_record(
            person=stranger,
            organisation=organisation,
            acting_user=facilitator,
            kind=PHOTOS,
            given=True,
            how=ConsentHow.IN_PERSON,
        )
    assert error.value.code == "not_in_organisation"


def test_an_unknown_kind_is_refused(group_with_members, organisation, parent):
    with pytest.raises(ValidationError) as error:
        own(parent, organisation, "tattoos", True)
    assert error.value.code == "unknown_kind"


def test_current_consent_in_one_query_per_organisation(
    django_assert_num_queries, group_with_members, organisation, other_organisation, parent, professional, grant
):
    from groups.models import StaffRole

    own(parent, organisation, PHOTOS, True)
    own(parent, organisation, QUOTES, True)
    own(parent, organisation, QUOTES, False)
    own(professional, organisation, PHOTOS, False)
    grant(parent, other_organisation, StaffRole.Role.FACILITATOR)
    own(parent, other_organisation, QUOTES, True)  # another organisation's choice counts only there

    with django_assert_num_queries(1):
        current = consent_current(person_ids=[parent.pk, professional.pk, 999_999], organisation_id=organisation.pk)

    assert current == {
        parent.pk: {PHOTOS: True, QUOTES: False},
        professional.pk: {PHOTOS: False},
        999_999: {},
    }


def test_exports_leave_out_people_without_consent(
    django_assert_num_queries, group_with_members, organisation, parent, professional, facilitator
):
    own(parent, organisation, PHOTOS, True)  # yes
    own(professional, organisation, PHOTOS, True)
    own(professional, organisation, PHOTOS, False)  # withdrawn
    own(facilitator, organisation, QUOTES, True)  # yes, but to quotes only
    everyone = [parent.pk, professional.pk, facilitator.pk]

    with django_assert_num_queries(1):
        allowed = people_allowing(organisation_id=organisation.pk, kind=PHOTOS, person_ids=everyone)

    assert allowed == {parent.pk}
    assert people_allowing(organisation_id=organisation.pk, kind=QUOTES, person_ids=everyone) == {facilitator.pk}
    assert people_allowing(organisation_id=organisation.pk, kind=PHOTOS, person_ids=[]) == set()
