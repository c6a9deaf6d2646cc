"""Domain rules a person notices: what a melding must say, how deadlines count working days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from domain.case import Melding
from domain.phases import TaskType
from sg989.policy_files import load_policy

MELDING = {
    "unit": "CLAS/11LMB",
    "category": "financieel",
    "channel": "mid",
    "melder_type": "anoniem",
    "description": "Declaraties kloppen niet.",
    "betrokkenen": ["BTR-1"],
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"category": "diefstal"}, "category"),
        ({"channel": "fax"}, "channel"),
        ({"unit": "NAVO/HQ"}, "does not start with a defensieonderdeel"),
        ({"category": "overig"}, "requires a category_toelichting"),
        ({"betrokkenen": ["BTR-1", "BTR-1"]}, "distinct"),
        ({"betrokkenen": ["Jan de Vries"]}, "never a name"),
    ],
)
def test_a_melding_that_does_not_fit_is_refused(change: dict, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Melding(**(MELDING | change))


def test_working_days_skip_weekends_and_dutch_public_holidays() -> None:
    policy = load_policy()
    tuesday_before_christmas = datetime(2026, 12, 22, 9, tzinfo=UTC)
    # 10 working days: not 25/26 December, not 1 January, not the weekends; a deadline falls at
    # the end of the working day in Amsterdam (17:00 CET is 16:00 UTC).
    assert policy.due(TaskType.weging, tuesday_before_christmas) == datetime(
        2027, 1, 7, 16, tzinfo=UTC
    )
    # A melding via the MID gets intake contact within 1 working day: Wednesday the 23rd.
    due = policy.due(TaskType.intake_contact, tuesday_before_christmas, via_mid=True)
    assert due == datetime(2026, 12, 23, 16, tzinfo=UTC)
    # Kingsday (27 April 2027, a Tuesday) is skipped too (17:00 CEST is 15:00 UTC).
    monday = datetime(2027, 4, 26, 9, tzinfo=UTC)
    assert policy.due(TaskType.review_beschikking, monday) == datetime(2027, 4, 30, 15, tzinfo=UTC)


def test_policy_carries_a_basis_for_every_clock() -> None:
    policy = load_policy()
    assert policy.clock(TaskType.bezwaartermijn).basis == "Awb 6:7"
    assert not policy.clock(TaskType.bezwaartermijn).extendable
    assert all(clock.basis for clock in policy.clocks.values())
