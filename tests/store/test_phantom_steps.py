"""A step that meets what a dead worker left behind (store/steps.py, issue 8).

A worker that commits a step and dies before its workflow task completes leaves a "phantom" in
the store: events Temporal's history never accepted. The case decides that step again from its
history, maybe with its Updates in another order, merged into one step, at another moment. The
store keeps what is identical, replaces what is not, and the chain verifies against the
workflow's own count afterwards.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from store_helpers import T0, make_case, make_task, row_counts
from structlog.testing import capture_logs

from activities import record
from activities.record import StoreActivities
from domain.case import CaseState
from domain.phases import Phase, TaskType
from domain.rows import CaseRows
from domain.transition import AuditEventIn, CaseStep, Notification, StepEvent
from store.audit import verify_chain
from store.db import as_utc, session_scope
from store.models import (
    AuditEvent,
    Case,
    OutboxNotification,
    PhaseVisit,
    ReplacedEvent,
    Task,
)
from store.phantoms import StaleStep
from store.steps import StepOutcome, write_step

CASE = "ZK-2026-0001"
T1, T2, T3 = (f"{CASE}-T{n}" for n in (1, 2, 3))
PHANTOM_AT = T0 + timedelta(hours=1)  # the dead worker's workflow task
TRUE_AT = T0 + timedelta(hours=1, seconds=12)  # the replacement worker's, later


def event(seq: int, event_type: str, at: datetime, phase: Phase, **details: str) -> StepEvent:
    notify = [Notification(recipient_role="jurist", recipient_unit="CLAS", kind="k", text="t")]
    return StepEvent(
        seq=seq,
        event=AuditEventIn(event_type=event_type, occurred_at=at, details=details),
        phase=str(phase),
        notifications=notify if event_type == "fase_gewijzigd" else [],
    )


def complete(case: CaseState, task_id: str, at: datetime) -> CaseState:
    case = case.model_copy(deep=True)
    case.tasks[task_id].status = "done"
    case.tasks[task_id].completed_at = at
    return case


def completed(seq: int, task_id: str, at: datetime) -> StepEvent:
    return event(seq, "taak_afgerond", at, Phase.intake, task_id=task_id)


class Flow:
    """A case as its workflow sees it: what history accepted, and the rows it last wrote."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.case = make_case(CASE, tasks=[make_task(1), make_task(2)])
        first = [
            event(1, "melding_geregistreerd", T0, Phase.intake),
            event(2, "taak_geopend", T0, Phase.intake, task_id=T1),
        ]
        self.written = CaseRows.of(self.case)
        assert self.write(CaseStep(case_id=CASE, events=first, rows=self.written.everything()))

    def step(self, case: CaseState, events: list[StepEvent], *, resync: bool = False) -> CaseStep:
        rows = CaseRows.of(case)
        changes = rows.everything() if resync else rows.changes_since(self.written)
        return CaseStep(case_id=CASE, events=events, rows=changes, resync=resync)

    def accept(self, case: CaseState, events: list[StepEvent], **kw: bool) -> StepOutcome:
        """A step whose workflow task completed: history holds it."""
        outcome = self.write_step(self.step(case, events, **kw))
        self.case, self.written = case, CaseRows.of(case)
        return outcome

    def write_step(self, step: CaseStep) -> StepOutcome:
        with session_scope(self.engine) as session:
            return write_step(session, step)

    def write(self, step: CaseStep) -> bool:
        return self.write_step(step).applied

    def verify(self, workflow_seq: int) -> None:
        with Session(self.engine) as session:
            verdict = verify_chain(session, CASE, workflow_seq=workflow_seq)
        assert verdict.ok, verdict.reason
        assert verdict.events == workflow_seq

    def events(self) -> list[tuple[int, str, str | None]]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(AuditEvent).where(AuditEvent.case_id == CASE).order_by(col(AuditEvent.seq))
            ).all()
        return [(e.seq, e.event_type, e.details.get("task_id")) for e in rows]

    def tasks(self) -> dict[str, str]:
        with Session(self.engine) as session:
            return {t.task_id: t.status for t in session.exec(select(Task)).all()}

    def replaced(self) -> list[int]:
        with Session(self.engine) as session:
            return sorted(r.seq for r in session.exec(select(ReplacedEvent)).all())


def test_an_exact_retry_writes_nothing(engine: Engine) -> None:
    flow = Flow(engine)
    done = complete(flow.case, T1, TRUE_AT)
    retry = flow.step(done, [completed(3, T1, TRUE_AT)])
    assert flow.write(retry)
    before = row_counts(engine)

    assert flow.write_step(retry) == StepOutcome()
    assert row_counts(engine) == before
    assert flow.replaced() == []
    flow.verify(workflow_seq=3)


def test_a_step_over_a_recorded_identical_prefix_writes_only_the_rest(engine: Engine) -> None:
    flow = Flow(engine)
    one = complete(flow.case, T1, TRUE_AT)
    assert flow.write(flow.step(one, [completed(3, T1, TRUE_AT)]))
    both = complete(one, T2, TRUE_AT)
    longer = flow.step(both, [completed(3, T1, TRUE_AT), completed(4, T2, TRUE_AT)])

    outcome = flow.write_step(longer)

    assert outcome == StepOutcome(written=(4,))
    assert flow.events()[2:] == [(3, "taak_afgerond", T1), (4, "taak_afgerond", T2)]
    assert flow.tasks() == {T1: "done", T2: "done"}
    assert flow.replaced() == []
    flow.verify(workflow_seq=4)


def test_a_phantom_tail_with_other_content_is_replaced_and_its_rows_undone(
    engine: Engine,
) -> None:
    flow = Flow(engine)
    # The dead worker completed T1, which opened T3 and moved the case to weging (with a
    # notification); then it died before its workflow task completed.
    phantom = complete(flow.case, T1, PHANTOM_AT)
    phantom.tasks[T3] = make_task(3, TaskType.weging, phase=Phase.weging)
    phantom.phase = Phase.weging
    ghost = [
        completed(3, T1, PHANTOM_AT),
        event(4, "fase_gewijzigd", PHANTOM_AT, Phase.weging),
    ]
    assert flow.write(flow.step(phantom, ghost))
    assert flow.tasks()[T3] == "open"

    # The replacement worker got T2's Update first: a different event 3, and it writes every
    # row of the case, being the first step it writes after loading the case.
    true = complete(flow.case, T2, TRUE_AT)
    outcome = flow.accept(true, [completed(3, T2, TRUE_AT)], resync=True)

    assert outcome.replaced == (3, 4) and outcome.written == (3,)
    assert outcome.replaced_types == ("taak_afgerond", "fase_gewijzigd")
    assert flow.events()[2:] == [(3, "taak_afgerond", T2)]
    assert flow.tasks() == {T1: "open", T2: "done"}  # T3 was the phantom's alone
    with Session(engine) as session:
        stored = session.get(Case, CASE)
        assert stored is not None and (stored.phase, stored.last_seq) == ("intake", 3)
        assert session.exec(select(OutboxNotification)).all() == []
        visits = session.exec(select(PhaseVisit)).all()
        assert [(v.phase, v.left_at) for v in visits] == [("intake", None)]
    assert flow.replaced() == [3, 4]
    flow.verify(workflow_seq=3)

    # T1's Update comes again and is applied after T2's: the case goes on as history says.
    again = complete(flow.case, T1, TRUE_AT)
    assert flow.accept(again, [completed(4, T1, TRUE_AT)]) == StepOutcome(written=(4,))
    assert flow.tasks() == {T1: "done", T2: "done"}
    flow.verify(workflow_seq=4)


def test_two_phantom_steps_replaced_by_the_step_that_merges_their_updates(
    engine: Engine,
) -> None:
    """The worker-kill test's case: the dead worker wrote one step per Update, the replacement
    worker, handed both re-delivered Updates at once, decides them as one step."""
    flow = Flow(engine)
    one = complete(flow.case, T1, PHANTOM_AT)
    assert flow.write(flow.step(one, [completed(3, T1, PHANTOM_AT)]))
    flow.written = CaseRows.of(one)  # the dead worker went on from its own (phantom) step
    assert flow.write(flow.step(complete(one, T2, PHANTOM_AT), [completed(4, T2, PHANTOM_AT)]))
    flow.written = CaseRows.of(flow.case)  # what history accepted

    both = complete(complete(flow.case, T1, TRUE_AT), T2, TRUE_AT)
    merged = [completed(3, T1, TRUE_AT), completed(4, T2, TRUE_AT)]
    outcome = flow.accept(both, merged, resync=True)

    assert (outcome.replaced, outcome.written) == ((3, 4), (3, 4))
    assert flow.events()[2:] == [(3, "taak_afgerond", T1), (4, "taak_afgerond", T2)]
    with Session(engine) as session:
        tasks = session.exec(select(Task).order_by(col(Task.task_id))).all()
    assert [(t.status, as_utc(t.completed_at)) for t in tasks] == [("done", TRUE_AT)] * 2
    assert flow.replaced() == [3, 4]
    flow.verify(workflow_seq=4)


def test_a_merged_phantom_is_replaced_by_the_first_of_its_updates_alone(engine: Engine) -> None:
    flow = Flow(engine)
    both = complete(complete(flow.case, T1, PHANTOM_AT), T2, PHANTOM_AT)
    assert flow.write(flow.step(both, [completed(3, T1, PHANTOM_AT), completed(4, T2, PHANTOM_AT)]))

    one = complete(flow.case, T1, TRUE_AT)
    outcome = flow.accept(one, [completed(3, T1, TRUE_AT)], resync=True)

    assert (outcome.replaced, outcome.written) == ((3, 4), (3,))
    assert flow.tasks() == {T1: "done", T2: "open"}
    flow.verify(workflow_seq=3)
    assert flow.accept(complete(one, T2, TRUE_AT), [completed(4, T2, TRUE_AT)]).written == (4,)
    assert flow.tasks() == {T1: "done", T2: "done"}
    flow.verify(workflow_seq=4)


def test_a_zombie_worker_does_not_replace_what_its_successor_wrote(engine: Engine) -> None:
    """A worker whose workflow task timed out (taken over by another worker) may still write
    its step: decided in the earlier workflow task, it replaces nothing."""
    flow = Flow(engine)
    successor = complete(flow.case, T2, TRUE_AT)
    flow.accept(successor, [completed(3, T2, TRUE_AT)], resync=True)
    before = row_counts(engine)

    zombie = flow.step(complete(flow.case, T1, PHANTOM_AT), [completed(3, T1, PHANTOM_AT)])
    with pytest.raises(StaleStep, match="later workflow task"):
        flow.write_step(zombie)

    assert row_counts(engine) == before
    assert flow.events()[2:] == [(3, "taak_afgerond", T2)]
    assert flow.tasks() == {T1: "open", T2: "done"}
    flow.verify(workflow_seq=3)


def test_the_worker_warns_of_a_replaced_phantom_without_its_content(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An earlier test may have cached the module's logger (cache_logger_on_first_use) and then
    # reset structlog: that logger keeps the old processors and bypasses capture_logs.
    monkeypatch.setattr(record, "log", structlog.get_logger(record.__name__))
    flow = Flow(engine)
    secret = "Melder vertelde over het incident"
    ghost = complete(flow.case, T1, PHANTOM_AT)
    ghost_event = completed(3, T1, PHANTOM_AT)
    ghost_event.event.details["samenvatting"] = secret
    assert flow.write(flow.step(ghost, [ghost_event]))
    store = StoreActivities(engine)

    with capture_logs() as logs:
        true = complete(flow.case, T2, TRUE_AT)
        assert store.record_step(flow.step(true, [completed(3, T2, TRUE_AT)], resync=True))

    warnings = [line for line in logs if line["log_level"] == "warning"]
    assert [(w["event"], w["case_id"], w["replaced_seqs"]) for w in warnings] == [
        ("phantom_step_replaced", CASE, [3])
    ]
    assert secret not in str(warnings)
    flow.verify(workflow_seq=3)
