"""The sums behind a claim (payments/services/claims.py) and working days (payments/services/working_days.py).
Pure Python: no database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from core.working_days import add_working_days, is_working_day, working_days_between
from payments.models import PaymentPolicy, TimeBasis
from payments.services.claims import (
    mileage_pence,
    minutes_text,
    participation_description,
    participation_minutes,
    participation_pence,
)

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def policy(**fields) -> PaymentPolicy:
    """Defaults: £25 an hour, at most £75 up to 4 hours and £150 beyond, attended time, 15 minutes' grace,
    preparation paid, 45p a mile."""
    return PaymentPolicy(organisation_id=1, version=1, **fields)


def minutes(p=None, *, hours=2, arrived=0, left=None, prep=0):
    """Minutes counted for a session of `hours` from START, arriving and leaving `arrived`/`left` minutes after
    the start (left None: never checked out)."""
    return participation_minutes(
        policy=p or policy(),
        session_start=START,
        session_end=START + timedelta(hours=hours),
        checked_in_at=START + timedelta(minutes=arrived),
        checked_out_at=None if left is None else START + timedelta(minutes=left),
        preparation_minutes=prep,
    )


# --- what time counts -------------------------------------------------------------------------------------


def test_attended_the_whole_session_counts_the_scheduled_time():
    assert minutes(arrived=-20, left=150) == 120  # early and late add nothing


def test_arriving_within_the_grace_counts_from_the_start_and_after_it_from_arrival():
    assert minutes(arrived=15, left=120) == 120
    assert minutes(arrived=16, left=120) == 104


def test_leaving_within_the_grace_counts_to_the_end_and_before_it_to_leaving():
    assert minutes(arrived=0, left=105) == 120
    assert minutes(arrived=0, left=60) == 60  # an early leaver


def test_no_check_out_counts_to_the_end():
    assert minutes(arrived=30, left=None) == 90


def test_never_negative_and_never_beyond_the_scheduled_time():
    assert minutes(arrived=130, left=None) == 0  # came after the end
    assert minutes(arrived=-60, left=-30) == 0  # left before the start
    assert minutes(hours=3, arrived=-60, left=300) == 180


def test_a_zero_grace_counts_the_exact_minutes():
    assert minutes(policy(late_grace_minutes=0), arrived=1, left=119) == 118


def test_the_scheduled_basis_counts_the_whole_session_for_anyone_who_came():
    p = policy(time_basis=TimeBasis.SCHEDULED)
    assert minutes(p, arrived=50, left=70) == 120


def test_preparation_is_added_only_when_the_policy_pays_it():
    assert minutes(arrived=0, left=120, prep=30) == 150
    assert minutes(policy(pays_preparation=False), arrived=0, left=120, prep=30) == 120
    assert minutes(policy(time_basis=TimeBasis.SCHEDULED), arrived=0, prep=45) == 165


# --- what it pays -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counted", "pence"),
    [
        (0, 0),
        (1, 625),  # a quarter hour, rounded up
        (15, 625),
        (16, 1250),
        (60, 2500),
        (135, 5625),  # 2 hours 15 minutes
        (180, 7500),
        (240, 7500),  # exactly 4 hours: the half-day cap (16 quarters would be £100)
        (241, 10625),  # 4 hours 1 minute: past the half day, 17 quarters, under the full-day cap
        (360, 15000),
        (600, 15000),  # the full-day cap
    ],
)
def test_pay_by_the_quarter_hour_within_the_day_caps(counted, pence):
    assert participation_pence(policy=policy(), minutes=counted) == pence


def test_a_quarter_of_an_odd_rate_rounds_half_a_penny_up():
    p = policy(hourly_rate_pence=1001, half_day_pence=100000, full_day_pence=100000)
    assert participation_pence(policy=p, minutes=15) == 250  # 250.25 -> 250
    assert participation_pence(policy=p, minutes=30) == 501  # 500.5 -> 501
    assert participation_pence(policy=p, minutes=45) == 751  # 750.75 -> 751


def test_a_zero_rate_pays_nothing():
    p = policy(hourly_rate_pence=0, half_day_pence=0, full_day_pence=0)
    assert participation_pence(policy=p, minutes=180) == 0


def test_the_half_day_follows_the_policy_hours():
    p = policy(half_day_hours=2)
    assert participation_pence(policy=p, minutes=120) == 5000
    assert participation_pence(policy=p, minutes=180) == 7500  # past 2 hours: the full-day cap applies


@pytest.mark.parametrize(("tenths", "pence"), [(0, 0), (10, 45), (1, 5), (3, 14), (11, 50), (123, 554)])
def test_mileage_rounds_half_a_penny_up(tenths, pence):
    # 0.1 mile = 4.5p -> 5p; 0.3 = 13.5p -> 14p; 1.1 = 49.5p -> 50p; 12.3 = 553.5p -> 554p
    assert mileage_pence(policy=policy(), miles_tenths=tenths) == pence


def test_the_time_in_words():
    assert minutes_text(135) == "2 hours 15 minutes"
    assert minutes_text(60) == "1 hour"
    assert minutes_text(1) == "1 minute"
    assert participation_description(minutes=135, preparation_minutes=30) == (
        "Your time: 2 hours 15 minutes, including 30 minutes preparation"
    )
    assert participation_description(minutes=120, preparation_minutes=0) == "Your time: 2 hours"


# --- working days -----------------------------------------------------------------------------------------


def test_weekends_are_skipped():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1) == date(2026, 11, 30)
    assert add_working_days(friday, 2) == date(2026, 12, 1)
    assert add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # from a Saturday
    assert add_working_days(friday, 0) == friday


def test_christmas_boxing_day_and_new_year_are_skipped():
    # 2026: Christmas Friday 25, Boxing Day Saturday 26 (bank holiday moved to Monday 28), New Year Friday 1 Jan
    assert not is_working_day(date(2026, 12, 28))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 24), 2) == date(2026, 12, 30)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)  # across the year and New Year's Day


def test_easter_is_skipped():
    # 2027: Good Friday 26 March, Easter Monday 29 March
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert working_days_between(date(2027, 3, 25), date(2027, 3, 30)) == 1


def test_working_days_between_is_the_inverse_of_adding():
    start = date(2026, 12, 1)
    for n in (0, 1, 2, 5, 10, 30, 70):
        assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(date(2026, 12, 20), date(2027, 1, 10)) == 12
    assert working_days_between(date(2026, 12, 10), date(2026, 12, 1)) == 0
