"""Deadline arithmetic: working days, calendar weeks and months. Pure: holidays are passed in."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: datetime, count: int, holidays: Collection[date]) -> datetime:
    """Move ``count`` working days forward, keeping the time of day."""
    moment = start
    added = 0
    while added < count:
        moment += timedelta(days=1)
        if is_working_day(moment.date(), holidays):
            added += 1
    return moment


def add_months(start: datetime, count: int) -> datetime:
    """Same day ``count`` months later, clipped to the last day of a shorter month."""
    month_index = start.month - 1 + count
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(f"cannot add {count} months to {start}")


def add_term(
    start: datetime, amount: int, unit: str, holidays: Collection[date] = frozenset()
) -> datetime:
    """Add a term of the deadline policy: ``days``, ``working_days``, ``weeks`` or ``months``."""
    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "working_days":
        return add_working_days(start, amount, holidays)
    if unit == "weeks":
        return start + timedelta(weeks=amount)
    if unit == "months":
        return add_months(start, amount)
    raise ValueError(f"unknown term unit '{unit}' (days, working_days, weeks, months)")
