"""Working days: Monday to Friday, leaving out the bank holidays of England and Wales (the `holidays` library,
"GB" with subdivision "ENG"). One calendar for the whole of coprod: when a follow-up is due and when it is
overdue, when a payment is due ("within 2 working days of the session") and how long a person has waited."""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (`start` itself never counts, even when it is a working day).
    0 days gives `start` back. A session on Friday with a target of 2 working days is due on Tuesday."""
    if days < 0:
        raise ValueError("add_working_days counts forwards only")
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(first: date, last: date) -> int:
    """How many working days after `first` up to and including `last` (0 when `last` is not after `first`), so
    that `working_days_between(d, add_working_days(d, n)) == n`. For "has waited N working days"."""
    if last <= first:
        return 0
    total = 0
    day = first
    # Whole weeks at once keep a long wait cheap: five weekdays a week, less the bank holidays in it.
    while (last - day).days >= 7:
        week_end = day + timedelta(days=7)
        total += 5 - sum(1 for h in _holidays_between(day, week_end) if h.weekday() < 5)
        day = week_end
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day):
            total += 1
    return total


def _holidays_between(after: date, until: date):
    """Bank holidays in (after, until]."""
    years = range(after.year, until.year + 1)
    for year in years:
        for h in _bank_holidays(year):
            if after < h <= until:
                yield h
