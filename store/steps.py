"""Writes one step of a case (an Update or a timer firing) in the caller's transaction.

A step carries its audit events and only the rows that changed. Each kind of row is read
with one query, and nothing is flushed until the end (except a new case row, which the other
rows refer to), so a step costs a handful of statements whatever its size.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from domain.rows import BetrokkeneRow, MeasureRows, TaskRow
from domain.transition import CaseStep
from store.audit import GENESIS_HASH, seal_events
from store.models import AuditEvent, Betrokkene, Case, MeasureDecision, PhaseVisit, Task
from store.projection import (
    OutOfOrderTransition,
    _append_event,
    _queue_notifications,
    _utc,
    _utc_values,
)


def apply_step(session: Session, step: CaseStep) -> bool:
    """Writes ``step``; False (and nothing written) if its events were already recorded."""
    _check_sequence(step)
    with session.no_autoflush:
        prev_hash = _previous_hash(session, step)
        if prev_hash is None:
            return False
        if _write_case(session, step):
            session.flush()  # the rows below refer to the new case row
        _write_betrokkenen(session, step.case_id, step.rows.betrokkenen)
        _write_measures(session, step.case_id, step.rows.measures)
        _write_tasks(session, step.case_id, step.rows.tasks)
        phases = _PhaseVisits(session, step.case_id)
        appended = []
        for item in step.events:
            occurred_at = _utc(item.event.occurred_at)
            phases.at(item.phase, occurred_at)
            event = _append_event(
                session, step.case_id, item.seq, item.event, prev_hash, occurred_at
            )
            appended.append(event)
            prev_hash = event.hash
            _queue_notifications(session, step.case_id, item.seq, item.notifications, occurred_at)
        seal_events(session, appended)
    session.flush()
    return True


def _check_sequence(step: CaseStep) -> None:
    seqs = [item.seq for item in step.events]
    if seqs[0] < 1 or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise ValueError(f"case {step.case_id}: the events of a step must be 1, 2, ...: {seqs}")


def _previous_hash(session: Session, step: CaseStep) -> str | None:
    """The hash the step links to; None if the step is recorded already (a retry)."""
    seqs = [item.seq for item in step.events]
    wanted = [step.first_seq - 1, *seqs]
    known = dict(
        session.exec(
            select(AuditEvent.seq, AuditEvent.hash).where(
                AuditEvent.case_id == step.case_id, col(AuditEvent.seq).in_(wanted)
            )
        ).all()
    )
    recorded = [seq for seq in seqs if seq in known]
    if recorded:
        if len(recorded) != len(seqs):
            raise ValueError(
                f"case {step.case_id}: events {sorted(set(seqs) - set(recorded))} of a step "
                f"are missing while events {recorded} of it are recorded"
            )
        return None
    if step.first_seq == 1:
        return GENESIS_HASH
    if step.first_seq - 1 not in known:
        raise OutOfOrderTransition(
            f"case {step.case_id}: event {step.first_seq} arrived before event "
            f"{step.first_seq - 1} was recorded"
        )
    return known[step.first_seq - 1]


def _write_case(session: Session, step: CaseStep) -> bool:
    """Updates the case row (or creates it); True if it is new."""
    occurred_at = _utc(step.events[-1].event.occurred_at)
    row = session.get(Case, step.case_id)
    columns = step.rows.case
    created = row is None
    if row is None:
        if columns is None:
            raise ValueError(f"case {step.case_id}: the first step must carry the case row")
        row = Case(case_id=step.case_id, **_utc_values(columns))
    elif columns is not None:
        for name, value in _utc_values(columns).items():
            setattr(row, name, value)
    if columns is not None:
        row.closed_at = (row.closed_at or occurred_at) if columns.status == "gesloten" else None
    row.updated_at = occurred_at
    row.last_seq = step.last_seq
    session.add(row)
    return created


def _write_betrokkenen(session: Session, case_id: str, changed: list[BetrokkeneRow]) -> None:
    if not changed:
        return
    rows = {
        r.ref: r
        for r in session.exec(select(Betrokkene).where(Betrokkene.case_id == case_id)).all()
    }
    for state in changed:
        row = rows.get(state.ref) or Betrokkene(case_id=case_id, ref=state.ref)
        for name, value in _utc_values(state).items():
            setattr(row, name, value)
        session.add(row)


def _write_measures(session: Session, case_id: str, changed: list[MeasureRows]) -> None:
    if not changed:
        return
    existing = {
        (r.betrokkene_ref, r.measure): r
        for r in session.exec(
            select(MeasureDecision).where(MeasureDecision.case_id == case_id)
        ).all()
    }
    for wanted in changed:
        ref = wanted.betrokkene_ref
        for (row_ref, measure), row in existing.items():
            if row_ref == ref and measure not in wanted.measures:
                session.delete(row)
        for measure in wanted.measures:
            row = existing.get((ref, measure)) or MeasureDecision(
                case_id=case_id, betrokkene_ref=ref, measure=measure
            )
            row.decided_at = _utc(wanted.decided_at)
            session.add(row)


def _write_tasks(session: Session, case_id: str, changed: list[TaskRow]) -> None:
    if not changed:
        return
    ids = [t.task_id for t in changed]
    rows = {r.task_id: r for r in session.exec(select(Task).where(col(Task.task_id).in_(ids)))}
    for state in changed:
        row = rows.get(state.task_id)
        if row is not None and row.case_id != case_id:
            raise ValueError(f"task {state.task_id} belongs to case {row.case_id}, not {case_id}")
        values = _utc_values(state)
        values["assignees"] = list(state.assignees)
        if row is None:
            row = Task(case_id=case_id, **values)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        session.add(row)


class _PhaseVisits:
    """When the case entered and left each phase, followed event by event within a step."""

    def __init__(self, session: Session, case_id: str) -> None:
        self.session = session
        self.case_id = case_id
        self.open = session.exec(
            select(PhaseVisit)
            .where(PhaseVisit.case_id == case_id, col(PhaseVisit.left_at).is_(None))
            .order_by(col(PhaseVisit.entered_at).desc())
        ).first()

    def at(self, phase: str, occurred_at: datetime) -> None:
        if self.open is not None and self.open.phase == phase:
            return
        if self.open is not None:
            self.open.left_at = occurred_at
            self.session.add(self.open)
        self.open = PhaseVisit(case_id=self.case_id, phase=phase, entered_at=occurred_at)
        self.session.add(self.open)
