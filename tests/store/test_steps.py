"""One step's write (store/steps.py): rows that changed, updated or inserted, never doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from store_helpers import T0, make_case, make_task

from domain.case import CaseState
from domain.rows import CaseRows, MeasureRows, RowChanges
from domain.transition import AuditEventIn, CaseStep, StepEvent
from store.db import session_scope
from store.models import AuditEvent, Case, MeasureDecision, Task
from store.steps import apply_step


def step(case: CaseState, first: int, rows: RowChanges, count: int = 1) -> CaseStep:
    events = [
        StepEvent(
            seq=seq,
            event=AuditEventIn(event_type="taak_afgerond", occurred_at=T0 + timedelta(hours=seq)),
            phase=str(case.phase),
        )
        for seq in range(first, first + count)
    ]
    return CaseStep(case_id=case.case_id, events=events, rows=rows)


def write(engine: Engine, the_step: CaseStep) -> bool:
    with session_scope(engine) as session:
        return apply_step(session, the_step)


def test_changed_tasks_are_updated_and_new_ones_inserted(engine: Engine) -> None:
    case = make_case(tasks=[make_task(1), make_task(2)])
    written = CaseRows.of(case)
    assert write(engine, step(case, 1, written.changes_since(None), count=2))
    case.tasks["ZK-2026-0001-T1"].status = "done"
    case.tasks["ZK-2026-0001-T1"].assignees = ["adviseur-2"]
    new = make_task(3)
    case.tasks[new.task_id] = new
    changes = CaseRows.of(case).changes_since(written)
    assert sorted(t.task_id for t in changes.tasks) == ["ZK-2026-0001-T1", "ZK-2026-0001-T3"]
    assert write(engine, step(case, 3, changes))
    assert not write(engine, step(case, 3, changes))  # a retry writes nothing twice
    with Session(engine) as session:
        tasks = {t.task_id: t for t in session.exec(select(Task)).all()}
        events = session.exec(select(AuditEvent.seq).order_by(col(AuditEvent.seq))).all()
        stored = session.get(Case, case.case_id)
    assert {k: t.status for k, t in tasks.items()} == {
        "ZK-2026-0001-T1": "done",
        "ZK-2026-0001-T2": "open",
        "ZK-2026-0001-T3": "open",
    }
    assert tasks["ZK-2026-0001-T1"].assignees == ["adviseur-2"]
    assert list(events) == [1, 2, 3]
    assert stored is not None and stored.last_seq == 3


def test_a_task_id_of_another_case_is_refused_and_nothing_is_written(engine: Engine) -> None:
    other = make_case("ZK-2026-0002", tasks=[make_task(1, case_id="ZK-2026-0002")])
    assert write(engine, step(other, 1, CaseRows.of(other).changes_since(None)))
    case = make_case(tasks=[make_task(1, case_id="ZK-2026-0002")])
    with pytest.raises(ValueError, match="belongs to case ZK-2026-0002"):
        write(engine, step(case, 1, CaseRows.of(case).changes_since(None)))
    with Session(engine) as session:
        assert session.get(Case, case.case_id) is None
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.case_id == case.case_id)).all() == []
        )


def test_measures_of_a_betrokkene_are_replaced(engine: Engine) -> None:
    case = make_case()
    first = CaseRows.of(case).changes_since(None)
    first.measures = [MeasureRows(betrokkene_ref="BTR-1", measures=["berisping", "ontslag"])]
    assert write(engine, step(case, 1, first))
    later = RowChanges(
        measures=[
            MeasureRows(betrokkene_ref="BTR-1", measures=["ontslag", "schorsing"], decided_at=T0)
        ]
    )
    assert write(engine, step(case, 2, later))
    with Session(engine) as session:
        rows = session.exec(select(MeasureDecision)).all()
    assert sorted(m.measure for m in rows) == ["ontslag", "schorsing"]
    assert all(m.decided_at is not None for m in rows)
