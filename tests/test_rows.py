"""The rows a step writes (domain/rows.py): built again only where the case changed them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.case import BetrokkeneState, CaseState
from domain.phases import Phase, TaskType
from domain.roles import Role
from domain.rows import BetrokkeneRow, CaseRows, TaskRow
from tests.store.store_helpers import T0, make_case, make_task

TASK = "ZK-2026-0001-T1"
NEW_TASK_VALUES: dict[str, Any] = {
    "task_id": TASK,  # the key: changing it is a new task, covered below
    "task_type": TaskType.weging,
    "phase": Phase.weging,
    "role": Role.commandant,
    "unit": "CZSK/MARINE",
    "label": "Weging",
    "betrokkene": "BTR-2",
    "assignees": ["adviseur-2"],
    "status": "done",
    "basis": "Wbk",
    "opened_at": T0 + timedelta(minutes=1),
    "due_at": T0 + timedelta(days=9),
    "reminder_at": T0 + timedelta(days=6),
    "reminded": True,
    "escalation_level": 1,
    "extensions": 2,
    "completed_at": T0 + timedelta(days=1),
    "completed_by": "adviseur-2",
    "claimed_by": "adviseur-2",
}
NEW_BETROKKENE_VALUES: dict[str, Any] = {
    "ref": "BTR-1",
    "in_onderzoek": True,
    "schending": False,
    "besluit_at": T0 + timedelta(days=3),
    "bezwaar": "ingediend",
    "geschorst": True,
}


def a_case() -> CaseState:
    return make_case(
        tasks=[make_task(1), make_task(2), make_task(3, TaskType.weging)],
        betrokkenen=[BetrokkeneState(ref="BTR-1"), BetrokkeneState(ref="BTR-2")],
    )


def test_the_values_cover_every_row_field() -> None:
    assert set(NEW_TASK_VALUES) == set(TaskRow.model_fields)
    assert set(NEW_BETROKKENE_VALUES) == set(BetrokkeneRow.model_fields)


@pytest.mark.parametrize("field", sorted(set(NEW_TASK_VALUES) - {"task_id"}))
def test_a_changed_task_field_is_written(field: str) -> None:
    case = a_case()
    written = CaseRows.of(case)
    setattr(case.tasks[TASK], field, NEW_TASK_VALUES[field])
    rows = CaseRows.of(case, written)
    assert rows == CaseRows.of(case)  # the same rows as built from nothing
    assert [t.task_id for t in rows.changes_since(written).tasks] == [TASK]
    assert getattr(rows.tasks[TASK], field) == NEW_TASK_VALUES[field]


@pytest.mark.parametrize("field", sorted(set(NEW_BETROKKENE_VALUES) - {"ref"}))
def test_a_changed_betrokkene_field_is_written(field: str) -> None:
    case = a_case()
    written = CaseRows.of(case)
    setattr(case.betrokkenen["BTR-1"], field, NEW_BETROKKENE_VALUES[field])
    rows = CaseRows.of(case, written)
    assert rows == CaseRows.of(case)
    assert [b.ref for b in rows.changes_since(written).betrokkenen] == ["BTR-1"]


def test_lists_changed_in_place_are_written() -> None:
    """A list the state changes in place is not the list the written row holds."""
    case = a_case()
    written = CaseRows.of(case)
    case.tasks[TASK].assignees.append("adviseur-9")
    case.betrokkenen["BTR-2"].maatregelen.append("berisping")
    case.betrokkenen["BTR-2"].besluit_at = T0
    changes = CaseRows.of(case, written).changes_since(written)
    assert [(t.task_id, t.assignees) for t in changes.tasks] == [
        (TASK, ["adviseur-1", "adviseur-9"])
    ]
    assert [(m.betrokkene_ref, m.measures) for m in changes.measures] == [("BTR-2", ["berisping"])]


def test_an_unchanged_case_writes_nothing_and_new_rows_are_written() -> None:
    case = a_case()
    written = CaseRows.of(case)
    rows = CaseRows.of(case, written)
    assert rows.tasks[TASK] is written.tasks[TASK]  # taken over, not built again
    assert rows.changes_since(written).model_dump() == {
        "case": None,
        "tasks": [],
        "betrokkenen": [],
        "measures": [],
        "parties": [],
    }
    new = make_task(4)
    case.tasks[new.task_id] = new
    case.betrokkenen["BTR-3"] = BetrokkeneState(ref="BTR-3")
    case.phase = Phase.weging
    changes = CaseRows.of(case, written).changes_since(written)
    assert [t.task_id for t in changes.tasks] == [new.task_id]
    assert [b.ref for b in changes.betrokkenen] == ["BTR-3"]
    assert changes.case is not None and changes.case.phase == "weging"
