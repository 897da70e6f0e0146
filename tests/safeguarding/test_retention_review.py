"""Retention: an organisation sets how long it keeps each type of record; its safeguarding leads see the records
past that period and decide, once per record, to keep (with a reason) or, for messages and feelings only, to
erase. Safeguarding records are never erased; nothing is deleted."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AccessEvent, AuditEvent
from groups import services as group_services
from notifications.models import Message
from safeguarding.models import RecordType, RetentionReview, RetentionRule
from safeguarding.selectors import rights as selectors
from safeguarding.services import retention as services
from sessions_app import services as session_services
from sessions_app.models import CheckIn
from tests.conftest import give_recent_second_step
from tests.safeguarding.factories_s3 import SECRET_WORDS, make_concern, make_consent, make_message, make_plan
from tests.sessions_app.factories import plan_session

LOGIN = "/accounts/login/"
YEARS_AGO = timedelta(days=3 * 365)


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


@pytest.fixture
def rules(organisation, safeguarding_lead):
    services.retention_rules_set(
        organisation=organisation,
        months={RecordType.MESSAGES: 24, RecordType.ATTENDANCE: 24, RecordType.CONCERNS: 12},
        acting_user=safeguarding_lead,
    )


@pytest.fixture
def old_checkin(group_with_members, facilitator, facilitator2, parent, venue, time_machine):
    """The parent came to a session three years ago and said how they felt."""
    real_now = timezone.now()
    long_ago = (real_now - YEARS_AGO).replace(minute=0, second=0, microsecond=0)
    time_machine.move_to(long_ago - timedelta(days=10), tick=False)
    session = plan_session(group_with_members, facilitator, facilitator2, starts_at=long_ago, venue=venue)
    time_machine.move_to(long_ago + timedelta(minutes=5), tick=False)
    checkin = session_services.checkin_record(session=session, person=parent, acting_user=facilitator, feeling=4)
    time_machine.move_to(real_now, tick=True)
    return checkin


def review(organisation, lead, record_type, object_id, decision="keep", reason="A court case is still open."):
    return services.retention_review_record(
        organisation=organisation,
        record_type=record_type,
        object_id=object_id,
        decision=decision,
        reason=reason,
        acting_user=lead,
    )


# --- rules ------------------------------------------------------------------------------------------------


def test_rules_are_set_changed_and_audited_but_never_removed(organisation, safeguarding_lead):
    changed = services.retention_rules_set(
        organisation=organisation, months={"messages": 24, "consent": None}, acting_user=safeguarding_lead
    )
    assert changed == ["messages"]
    services.retention_rules_set(organisation=organisation, months={"messages": 36}, acting_user=safeguarding_lead)

    assert RetentionRule.objects.get(organisation=organisation, record_type="messages").months == 36
    assert not RetentionRule.objects.filter(record_type="consent").exists()
    events = AuditEvent.objects.filter(action="retention_rule.set").order_by("pk")
    assert [(e.data["months"], e.data["was"]) for e in events] == [(24, None), (36, 24)]
    with pytest.raises(ValidationError) as removed:
        services.retention_rules_set(
            organisation=organisation, months={"messages": None}, acting_user=safeguarding_lead
        )
    assert codes(removed.value) == {"period_needed"}
    with pytest.raises(ValidationError) as too_long:
        services.retention_rules_set(organisation=organisation, months={"consent": 5000}, acting_user=safeguarding_lead)
    assert codes(too_long.value) == {"months_range"}


def test_only_a_lead_sets_rules(organisation, org_admin):
    with pytest.raises(ValidationError) as refused:
        services.retention_rules_set(organisation=organisation, months={"messages": 24}, acting_user=org_admin)

    assert codes(refused.value) == {"not_allowed"}
    assert not RetentionRule.objects.exists()


# --- what is listed --------------------------------------------------------------------------------------


def test_records_past_their_period_are_listed_and_recent_ones_are_not(
    organisation, parent, facilitator, safeguarding_lead, rules, old_checkin
):
    old = make_message(person=parent, organisation=organisation, key="old", created_at=timezone.now() - YEARS_AGO)
    make_message(person=parent, organisation=organisation, key="new")
    closed_long_ago = make_concern(organisation=organisation, raised_by=facilitator, state="closed")
    type(closed_long_ago).objects.filter(pk=closed_long_ago.pk).update(closed_at=timezone.now() - YEARS_AGO)
    make_concern(organisation=organisation, raised_by=facilitator, state="closed")  # closed today
    make_concern(organisation=organisation, raised_by=facilitator)  # still open

    overview = {row.record_type: row for row in selectors.retention_overview(organisation=organisation)}

    assert [i["object_id"] for i in overview["messages"].items] == [old.pk]
    assert [i["object_id"] for i in overview["attendance"].items] == [old_checkin.pk]
    assert [i["object_id"] for i in overview["concerns"].items] == [closed_long_ago.pk]
    assert overview["concerns"].erasable is False and overview["messages"].erasable is True
    assert overview["consent"].months is None and overview["consent"].items == []
    assert SECRET_WORDS not in str(overview)


def test_the_list_is_bounded_with_a_count_of_all(organisation, parent, rules):
    old = timezone.now() - YEARS_AGO
    Message.objects.bulk_create(
        [
            Message(
                person=parent,
                channel="email",
                kind="reminder_days",
                key=f"k{n}",
                organisation_id=organisation.pk,
                status="sent",
                sent_at=old,
                created_at=old,
            )
            for n in range(selectors.RETENTION_SHOWN + 3)
        ]
    )

    row = next(r for r in selectors.retention_overview(organisation=organisation) if r.record_type == "messages")

    assert len(row.items) == selectors.RETENTION_SHOWN
    assert row.count == selectors.RETENTION_SHOWN + 3


# --- decisions -------------------------------------------------------------------------------------------


def test_erasing_a_message_clears_its_words_and_keeps_that_it_was_sent(organisation, parent, safeguarding_lead, rules):
    old = make_message(person=parent, organisation=organisation, key="old", created_at=timezone.now() - YEARS_AGO)

    decision = review(organisation, safeguarding_lead, "messages", old.pk, decision="erase", reason="")

    message = Message.objects.get(pk=old.pk)
    assert (message.subject, message.body, message.link, message.address) == ("", "", "", "")
    assert (message.kind, message.status, message.person_id) == ("reminder_days", "sent", parent.pk)
    assert decision.reason == "Past its retention period of 24 months."
    event = AuditEvent.objects.get(action="retention.erased")
    assert event.data == {"record_type": "messages", "object_id": old.pk}
    assert event.organisation_id == organisation.pk
    assert selectors.retention_overview(organisation=organisation)[5].items == []


def test_erasing_feelings_keeps_the_attendance(organisation, safeguarding_lead, rules, old_checkin):
    review(organisation, safeguarding_lead, "attendance", old_checkin.pk, decision="erase")

    checkin = CheckIn.objects.get(pk=old_checkin.pk)
    assert (checkin.checkin_feeling, checkin.checkout_feeling, checkin.wants_to_talk) == (None, None, False)
    assert checkin.checked_in_at == old_checkin.checked_in_at


def test_a_concern_is_kept_with_a_reason_and_never_erased(organisation, facilitator, safeguarding_lead, rules):
    concern = make_concern(organisation=organisation, raised_by=facilitator, state="closed")
    type(concern).objects.filter(pk=concern.pk).update(closed_at=timezone.now() - YEARS_AGO)

    with pytest.raises(ValidationError) as erase:
        review(organisation, safeguarding_lead, "concerns", concern.pk, decision="erase")
    with pytest.raises(ValidationError) as no_reason:
        review(organisation, safeguarding_lead, "concerns", concern.pk, reason="  ")
    kept = review(organisation, safeguarding_lead, "concerns", concern.pk)
    with pytest.raises(ValidationError) as again:
        review(organisation, safeguarding_lead, "concerns", concern.pk)

    assert codes(erase.value) == {"erase_not_allowed"}
    assert codes(no_reason.value) == {"reason_needed"}
    assert codes(again.value) == {"already_reviewed"}
    assert kept.decision == "keep" and RetentionReview.objects.count() == 1
    assert type(concern).objects.get(pk=concern.pk).what_happened == concern.what_happened
    assert "court" not in str(AuditEvent.objects.get(action="retention.kept").data)


def test_a_record_not_past_its_period_or_of_another_organisation_is_refused(
    organisation, other_organisation, parent, safeguarding_lead, rules
):
    recent = make_message(person=parent, organisation=organisation, key="new")
    elsewhere = make_message(
        person=parent, organisation=other_organisation, key="x", created_at=timezone.now() - YEARS_AGO
    )

    for message in (recent, elsewhere):
        with pytest.raises(ValidationError) as refused:
            review(organisation, safeguarding_lead, "messages", message.pk, decision="erase")
        assert codes(refused.value) == {"not_due"}
    with pytest.raises(ValidationError) as no_rule:
        review(organisation, safeguarding_lead, "consent", 1)
    assert codes(no_rule.value) == {"no_rule"}
    assert Message.objects.get(pk=elsewhere.pk).body != ""


# --- the pages -------------------------------------------------------------------------------------------

PAGES = ["safeguarding:retention", "safeguarding:retention_review"]


@pytest.mark.permissions
@pytest.mark.parametrize("name", PAGES)
def test_retention_pages_need_sign_in(client, organisation, name):
    response = client.get(reverse(name, args=[organisation.pk]))

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.permissions
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("person", "expected"), [("outsider", 404), ("facilitator", 403), ("org_admin", 403), ("parent", 403)]
)
def test_retention_pages_are_refused_to_all_but_the_leads(
    client, request, group_with_members, outsider, name, person, expected
):
    give_recent_second_step(client, request.getfixturevalue(person))

    response = client.get(reverse(name, args=[group_with_members.organisation_id]))
    post = client.post(reverse(name, args=[group_with_members.organisation_id]), {"messages": "1"})

    assert response.status_code == expected and post.status_code == expected
    assert not RetentionRule.objects.exists()
    assert AccessEvent.objects.filter(kind="refused", data__permission="safeguarding.lead").exists()


@pytest.mark.permissions
@pytest.mark.parametrize("name", PAGES)
def test_retention_pages_ask_a_lead_for_their_code_again(client, organisation, safeguarding_lead, name):
    client.force_login(safeguarding_lead)

    response = client.get(reverse(name, args=[organisation.pk]))

    assert response.status_code == 302 and "reauthenticate" in response["Location"]


@pytest.mark.permissions
def test_retention_page_opens_to_a_lead_and_saves_periods(client, organisation, safeguarding_lead):
    give_recent_second_step(client, safeguarding_lead)
    url = reverse("safeguarding:retention", args=[organisation.pk])

    page = client.get(url)
    saved = client.post(url, {"messages": "24", "concerns": "300"})

    assert page.status_code == 200
    assert "A suggestion: 300 months (25 years)" in page.content.decode()
    assert saved.status_code == 302
    assert dict(RetentionRule.objects.values_list("record_type", "months")) == {"messages": 24, "concerns": 300}
    assert AccessEvent.objects.filter(kind="view", data__permission="safeguarding.lead").exists()


def test_retention_page_with_a_bad_period_shows_the_error_and_keeps_the_input(client, organisation, safeguarding_lead):
    give_recent_second_step(client, safeguarding_lead)

    response = client.post(reverse("safeguarding:retention", args=[organisation.pk]), {"messages": "lots"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: How long records are kept" in content
    assert "Enter a whole number of months" in content
    assert 'value="lots"' in content
    assert not RetentionRule.objects.exists()


@pytest.mark.permissions
def test_review_page_opens_for_a_record_past_its_period_and_records_the_decision(
    client, organisation, parent, safeguarding_lead, rules
):
    old = make_message(person=parent, organisation=organisation, key="old", created_at=timezone.now() - YEARS_AGO)
    give_recent_second_step(client, safeguarding_lead)
    url = reverse("safeguarding:retention_review", args=[organisation.pk])

    page = client.get(url, {"record_type": "messages", "object_id": old.pk})
    missing = client.get(url, {"record_type": "messages", "object_id": old.pk + 1000})
    nothing_chosen = client.get(url)
    done = client.post(url, {"record_type": "messages", "object_id": old.pk, "decision": "erase", "reason": ""})

    assert page.status_code == 200 and "Erase what it says" in page.content.decode()
    assert missing.status_code == 404
    assert nothing_chosen.status_code == 302
    assert done.status_code == 302 and done["Location"] == reverse("safeguarding:retention", args=[organisation.pk])
    assert RetentionReview.objects.get().decision == "erase"


def test_review_page_refuses_erasing_a_concern_with_the_error_shown(
    client, organisation, facilitator, safeguarding_lead, rules
):
    concern = make_concern(organisation=organisation, raised_by=facilitator, state="closed")
    type(concern).objects.filter(pk=concern.pk).update(closed_at=timezone.now() - YEARS_AGO)
    give_recent_second_step(client, safeguarding_lead)
    url = reverse("safeguarding:retention_review", args=[organisation.pk])

    page = client.get(url, {"record_type": "concerns", "object_id": concern.pk})
    refused = client.post(url, {"record_type": "concerns", "object_id": concern.pk, "decision": "erase"})
    no_reason = client.post(url, {"record_type": "concerns", "object_id": concern.pk, "decision": "keep"})

    assert page.status_code == 200 and "Keep" in page.content.decode()  # the review page itself, for this concern
    assert "Erase what it says" not in page.content.decode()
    assert refused.status_code == 200 and "<title>Error: " in refused.content.decode()
    assert no_reason.status_code == 200 and "Say why the record is kept." in no_reason.content.decode()
    assert not RetentionReview.objects.exists()


def test_withheld_records_of_people_who_asked_for_their_data_are_listed_for_the_leads(
    client, organisation, facilitator, parent, safeguarding_lead
):
    concern = make_concern(organisation=organisation, raised_by=facilitator, about=parent)
    client.force_login(parent)
    client.get(reverse("safeguarding:my_data"))

    listed = selectors.data_requests_withheld(organisation=organisation)

    assert [(r["concern_id"], r["person"]) for r in listed] == [(concern.pk, parent.display_name)]
    give_recent_second_step(client, safeguarding_lead)
    page = client.get(reverse("safeguarding:retention", args=[organisation.pk])).content.decode()
    assert f"Concern {concern.pk}" in page


def test_the_retention_page_runs_as_many_queries_for_many_records_as_for_one(
    client, organisation, parent, facilitator, safeguarding_lead, rules
):
    old = timezone.now() - YEARS_AGO
    make_message(person=parent, organisation=organisation, key="first", created_at=old)
    give_recent_second_step(client, safeguarding_lead)
    url = reverse("safeguarding:retention", args=[organisation.pk])

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    for n in range(6):
        make_message(person=parent, organisation=organisation, key=f"more{n}", created_at=old)
        concern = make_concern(organisation=organisation, raised_by=facilitator, state="closed")
        type(concern).objects.filter(pk=concern.pk).update(closed_at=old)
    many = queries()

    assert one == many


def test_plans_and_consent_are_listed_once_the_person_left_longer_ago_than_the_period(
    organisation, group_with_members, parent, professional, safeguarding_lead
):
    # given: a parent who left the group two years ago, and a professional who is still in it
    make_plan(person=parent)
    make_plan(person=professional)
    consent = make_consent(person=parent, organisation=organisation, recorded_at=timezone.now() - YEARS_AGO)
    make_consent(person=professional, organisation=organisation)
    services.retention_rules_set(
        organisation=organisation,
        months={RecordType.SAFETY_PLANS: 12, RecordType.CONSENT: 12},
        acting_user=safeguarding_lead,
    )
    group_services.membership_leave(membership=group_with_members.memberships.get(user=parent), acting_user=parent)
    # (history: they joined three years ago and left two years ago)
    group_with_members.memberships.filter(user=parent).update(
        joined_at=timezone.now() - YEARS_AGO, left_at=timezone.now() - timedelta(days=2 * 365)
    )

    overview = {row.record_type: row for row in selectors.retention_overview(organisation=organisation)}

    assert [i["text"] for i in overview["safety_plans"].items] == ["Safety plan of Pat Parent, who left"]
    assert [i["object_id"] for i in overview["consent"].items] == [consent.pk]
    with pytest.raises(ValidationError) as erase:
        review(organisation, safeguarding_lead, "safety_plans", overview["safety_plans"].items[0]["object_id"], "erase")
    assert codes(erase.value) == {"erase_not_allowed"}
