"""The finance officer's home: the three lists (ready to approve, approved not in a run, waiting for a
facilitator), oldest first with working days waited against the target, bounded, open runs, and a fixed
number of queries."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payments.models import ClaimState, PaymentRun
from payments.selectors import finance as selectors
from tests.conftest import give_recent_second_step
from tests.payments.factories import claim_at, held_session, make_claim


def at_ten(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


@pytest.fixture
def sessions(group_with_members, facilitator, facilitator2):
    """Two held sessions: one ten days ago, one yesterday."""
    today = timezone.localdate()
    old = held_session(group_with_members, facilitator, facilitator2, starts_at=at_ten(today - timedelta(days=10)))
    new = held_session(group_with_members, facilitator, facilitator2, starts_at=at_ten(today - timedelta(days=1)))
    return old, new


def url(organisation):
    return reverse("payments:finance", args=[organisation.pk])


def test_lists_oldest_first_with_working_days(sessions, make_user, facilitator2, finance_officer, organisation):
    old, new = sessions
    a, b, c, d = (make_user() for _ in range(4))
    ready_new = claim_at(make_claim(new, a), ClaimState.SUBMITTED, attendance_by=facilitator2)
    ready_old = claim_at(make_claim(old, b), ClaimState.SUBMITTED, attendance_by=facilitator2)
    waiting = claim_at(make_claim(new, c), ClaimState.SUBMITTED)
    approved = claim_at(
        make_claim(old, d), ClaimState.APPROVED, attendance_by=facilitator2, approved_by=finance_officer
    )
    make_claim(new, make_user())  # still with the person: not the finance officer's work

    lists = {w.key: w for w in selectors.waiting_lists(organisation_id=organisation.pk)}

    assert [r.claim.pk for r in lists["ready"].rows] == [ready_old.pk, ready_new.pk]
    assert [r.claim.pk for r in lists["attendance"].rows] == [waiting.pk]
    assert [r.claim.pk for r in lists["to_pay"].rows] == [approved.pk]
    old_row, new_row = lists["ready"].rows
    assert old_row.target == 2 and old_row.waited >= 6 and old_row.overdue  # ten days: at least six working days
    assert new_row.waited <= 1 and not new_row.overdue
    assert old_row.total_pence == 5000


def test_page_shows_lists_and_open_runs(client, sessions, make_user, facilitator2, finance_officer, organisation):
    old, _ = sessions
    claim_at(make_claim(old, make_user(full_name="Rita Ready")), ClaimState.SUBMITTED, attendance_by=facilitator2)
    run = PaymentRun.objects.create(organisation=organisation, created_by=finance_officer)
    client.force_login(finance_officer)
    response = client.get(url(organisation))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rita Ready" in html and "Overdue" in html and "target 2" in html and "£50" in html
    assert "Ready to approve (1)" in html and "Waiting for a facilitator (0)" in html
    assert "1 claim" not in html or "Payment run" in html
    assert "No payment run is being prepared" not in html
    assert f"Payment run {run.pk}</a>:" in html and "0 claims" in html  # the open run is listed, with its count


def test_bounded_with_a_count_of_the_rest(sessions, make_user, facilitator2, organisation):
    _, new = sessions
    for _ in range(4):
        claim_at(make_claim(new, make_user()), ClaimState.SUBMITTED, attendance_by=facilitator2)
    ready = {w.key: w for w in selectors.waiting_lists(organisation_id=organisation.pk, limit=3)}["ready"]
    assert len(ready.rows) == 3 and ready.total == 4 and ready.more == 1


def test_query_count_does_not_grow(client, sessions, make_user, facilitator2, finance_officer, organisation):
    old, new = sessions
    client.force_login(finance_officer)

    def build(n):
        for _ in range(n):
            claim_at(
                make_claim(old, make_user(), childcare_pence=1000), ClaimState.SUBMITTED, attendance_by=facilitator2
            )
            claim_at(make_claim(new, make_user()), ClaimState.SUBMITTED)
            claim_at(
                make_claim(new, make_user()),
                ClaimState.APPROVED,
                attendance_by=facilitator2,
                approved_by=finance_officer,
            )
            PaymentRun.objects.create(organisation=organisation, created_by=finance_officer)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(organisation)).status_code == 200
        return len(ctx.captured_queries)

    build(1)
    one = queries()
    build(6)
    assert queries() == one


@pytest.mark.parametrize(
    ("who", "status"),
    [("parent", 403), ("professional", 403), ("facilitator", 403), ("org_admin", 403), ("safeguarding_lead", 403)],
)
def test_refused_inside_the_organisation(request, client, group_with_members, organisation, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(organisation)).status_code == status


def test_signed_out_and_other_organisation(client, organisation, other_organisation, make_user, grant):
    from groups.models import StaffRole

    assert client.get(url(organisation)).status_code == 302
    theirs = grant(make_user(), other_organisation, StaffRole.Role.FINANCE_OFFICER)
    give_recent_second_step(client, theirs)
    assert client.get(url(organisation)).status_code == 404
    assert client.get(url(other_organisation)).status_code == 200
