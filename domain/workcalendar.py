"""Working days in Amsterdam: Dutch holidays by rule for any year, CET/CEST by the EU rule.

Pure and deterministic (no tz database, no clock), so the workflow sandbox may use it and a
case computes the same deadline on every replay.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

Bevrijdingsdag = Literal["every_year", "lustrum", "never"]


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    lo = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * lo) // 451
    month, day = divmod(h + lo - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=256)
def dutch_holidays(
    year: int, bevrijdingsdag: Bevrijdingsdag, goede_vrijdag: bool
) -> frozenset[date]:
    """The generally recognised holidays of the Algemene termijnenwet (art. 3) for ``year``."""
    easter = easter_sunday(year)
    koningsdag = date(year, 4, 27)
    if koningsdag.weekday() == 6:  # on a Sunday it moves to the Saturday before
        koningsdag -= timedelta(days=1)
    days = {
        date(year, 1, 1),
        easter,
        easter + timedelta(days=1),
        koningsdag,
        easter + timedelta(days=39),  # Hemelvaartsdag
        easter + timedelta(days=49),
        easter + timedelta(days=50),  # Pinksteren
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if bevrijdingsdag == "every_year" or (bevrijdingsdag == "lustrum" and year % 5 == 0):
        days.add(date(year, 5, 5))
    if goede_vrijdag:
        days.add(easter - timedelta(days=2))
    return frozenset(days)


@lru_cache(maxsize=256)
def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def amsterdam_offset(moment: datetime) -> timedelta:
    """UTC offset in Amsterdam: CEST from the last Sunday of March to that of October, 01:00 UTC."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    start = datetime.combine(_last_sunday(utc.year, 3), time(1))
    end = datetime.combine(_last_sunday(utc.year, 10), time(1))
    return timedelta(hours=2) if start <= utc < end else timedelta(hours=1)


def to_amsterdam(moment: datetime) -> datetime:
    """Naive wall-clock time in Amsterdam."""
    return moment.astimezone(UTC).replace(tzinfo=None) + amsterdam_offset(moment)


def from_amsterdam(local: datetime) -> datetime:
    """UTC moment of an Amsterdam wall-clock time."""
    guess = local.replace(tzinfo=UTC) - timedelta(hours=1)
    return local.replace(tzinfo=UTC) - amsterdam_offset(guess)


class CalendarPolicy(BaseModel):
    """Part of the deadline policy: when a working day ends and which days are holidays."""

    timezone: Literal["Europe/Amsterdam"] = "Europe/Amsterdam"
    end_of_working_day: time = time(17, 0)
    end_of_working_day_basis: str = "assumed"
    bevrijdingsdag: Bevrijdingsdag = "every_year"
    bevrijdingsdag_basis: str = "Algemene termijnenwet art. 3"
    goede_vrijdag: bool = False

    def is_holiday(self, day: date) -> bool:
        return day in dutch_holidays(day.year, self.bevrijdingsdag, self.goede_vrijdag)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, start: datetime, count: int) -> datetime:
        """``count`` working days after ``start``, counted on Amsterdam dates."""
        day = to_amsterdam(start).date()
        added = 0
        while added < count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                added += 1
        return self.end_of(day)

    def end_of(self, day: date) -> datetime:
        return from_amsterdam(datetime.combine(day, self.end_of_working_day))

    def deadline(self, moment: datetime) -> datetime:
        """The end of the working day on which a term ends, or of the next working day
        (Algemene termijnenwet art. 1: a term never ends on a weekend or holiday)."""
        return self.end_of(self.next_working_day(to_amsterdam(moment).date()))

    def on_working_day(self, moment: datetime) -> datetime:
        """A reminder moment moved back to the working day before, if it falls on a day off."""
        local = to_amsterdam(moment)
        day = self.previous_working_day(local.date())
        if day == local.date():
            return moment
        return self.end_of(day)
