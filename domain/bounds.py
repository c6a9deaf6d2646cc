"""Bounds on everything a person types, before it enters a workflow's history.

A value the store cannot hold (a NUL character on PostgreSQL, a date whose UTC time overflows,
a text larger than Temporal's payload limit) would otherwise pass the Update's validator and then
fail the projection activity on every retry. The models of ``domain`` use these checks, so the
workflow can never accept such a value either, whoever sends it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

MAX_TEXT = 20_000  # characters in any one text field
MAX_ITEMS = 100  # entries in any one list or mapping
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
# A clock whose policy sets no ceiling of its own may be extended this far past its due date.
ABSOLUTE_EXTENSION = timedelta(days=366)
# NUL is refused by PostgreSQL text and jsonb; lone surrogates cannot be encoded as UTF-8;
# the other C0 controls (tab, newline and carriage return aside) have no place in a text.
REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def check_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise ValueError(f"a text may hold at most {MAX_TEXT} characters; this one has {len(text)}")
    found = REFUSED.search(text)
    if found:
        raise ValueError(
            f"the text holds a control character (U+{ord(found.group()):04X}) at position "
            f"{found.start()}; remove it"
        )
    return text


def check_moment(moment: date) -> date:
    """A date or time between 2000 and 2100 (a datetime with its UTC time inside too)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"dates must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("a time needs its time zone (e.g. Z or +01:00)")
        try:
            utc = moment.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time lies outside the representable range") from None
        check_moment(utc.date())
    return moment


_PLAIN = (int, float, bool, type(None))  # nothing to bound: answered before the generic checks


def check_bounded(value: Any) -> Any:
    """Recursively: texts, dates, lists and mappings within bounds (models check themselves)."""
    kind = type(value)
    if kind is str:
        return check_text(value)
    if kind in _PLAIN:
        return value
    if kind is dict or kind is list:  # the JSON shapes, without the ABC checks below
        _check_items(value)
        return value
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, date):
        return check_moment(value)
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        _check_items(value)
    return value


def _check_items(value: Any) -> None:
    if len(value) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} entries; this has {len(value)}")
    kind = type(value)
    if kind is dict or (kind is not list and isinstance(value, Mapping)):
        for key, item in value.items():
            check_bounded(key)
            check_bounded(item)
    else:
        for item in value:
            check_bounded(item)
