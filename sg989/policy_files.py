"""Reads the versioned deadline policy files and adds the Dutch public holidays."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import holidays

from domain.policy import DeadlinePolicy, parse_policy

POLICY_DIR = Path(__file__).parent / "policies"
CURRENT_POLICY_FILE = POLICY_DIR / "deadlines-2026.2.toml"
HOLIDAY_YEARS_AHEAD = 5  # cases live for months; five years covers every realistic term


def dutch_public_holidays(first_year: int, last_year: int) -> list[date]:
    years = range(first_year, last_year + 1)
    return sorted(holidays.country_holidays("NL", years=years).keys())


@lru_cache(maxsize=8)
def load_policy(path: Path = CURRENT_POLICY_FILE) -> DeadlinePolicy:
    policy = parse_policy(path.read_text(encoding="utf-8"))
    if policy.calendar is not None:  # holidays by rule, for every year: no list needed
        return policy
    this_year = date.today().year
    policy.public_holidays = dutch_public_holidays(this_year - 1, this_year + HOLIDAY_YEARS_AHEAD)
    return policy


@lru_cache(maxsize=8)
def policy_of_version(version: str) -> DeadlinePolicy | None:
    """The published policy of ``version`` (a case keeps the version it started with)."""
    for path in sorted(POLICY_DIR.glob("deadlines-*.toml")):
        policy = load_policy(path)
        if policy.version == version:
            return policy
    return None
