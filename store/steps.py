"""Writes one step of a case (an Update or a timer firing) in the caller's transaction.

A step carries its audit events and only the rows that changed. It is written with plain
SQL statements (SQLAlchemy Core, through the session's transaction): an UPDATE per changed
row, an INSERT where there was none, and one multi-row INSERT per kind of new row, so a
step costs a handful of statements and little CPU whatever its size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from domain.rows import BetrokkeneRow, MeasureRows, TaskRow
from domain.transition import CaseStep
from store.audit import (
    CHECKPOINT_EVERY,
    GENESIS_HASH,
    checkpoint_mac,
    event_hash,
    head_mac,
    normalise_details,
    sealed_event,
)
from store.audit_key import audit_key
from store.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    Betrokkene,
    Case,
    CaseParty,
    MeasureDecision,
    OutboxNotification,
    PhaseVisit,
    Task,
)
from store.projection import OutOfOrderTransition, _utc, _utc_values


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


CASE, TASK, BETROKKENE, MEASURE = (_table(m) for m in (Case, Task, Betrokkene, MeasureDecision))
EVENT, OUTBOX, VISIT = _table(AuditEvent), _table(OutboxNotification), _table(PhaseVisit)
HEAD, CHECKPOINT = _table(AuditHead), _table(AuditCheckpoint)
PARTY = _table(CaseParty)


def apply_step(session: Session, step: CaseStep) -> bool:
    """Writes ``step``; False (and nothing written) if its events were already recorded."""
    _check_sequence(step)
    prev_hash = _previous_hash(session, step)
    if prev_hash is None:
        return False
    _write_case(session, step)
    _write_betrokkenen(session, step.case_id, step.rows.betrokkenen)
    _write_measures(session, step.case_id, step.rows.measures)
    _write_tasks(session, step.case_id, step.rows.tasks)
    _write_parties(session, step.case_id, step.rows.parties)
    _write_events(session, step, prev_hash)
    return True


def _check_sequence(step: CaseStep) -> None:
    seqs = [item.seq for item in step.events]
    if seqs[0] < 1 or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise ValueError(f"case {step.case_id}: the events of a step must be 1, 2, ...: {seqs}")


def _previous_hash(session: Session, step: CaseStep) -> str | None:
    """The hash the step links to; None if the step is recorded already (a retry)."""
    seqs = [item.seq for item in step.events]
    rows = session.execute(
        core_select(EVENT.c.seq, EVENT.c.hash).where(
            EVENT.c.case_id == step.case_id, EVENT.c.seq.in_([step.first_seq - 1, *seqs])
        )
    ).all()
    known: dict[int, str] = {seq: hash_ for seq, hash_ in rows}
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


def _write_case(session: Session, step: CaseStep) -> None:
    occurred_at = _utc(step.events[-1].event.occurred_at)
    values: dict[str, Any] = {"updated_at": occurred_at, "last_seq": step.last_seq}
    columns = step.rows.case
    if columns is not None:
        values.update(_utc_values(columns))
        closing = columns.status == "gesloten"
        values["closed_at"] = func.coalesce(CASE.c.closed_at, occurred_at) if closing else None
    done = session.execute(update(CASE).where(CASE.c.case_id == step.case_id).values(values))
    if done.rowcount:  # type: ignore[attr-defined]
        return
    if columns is None:
        raise ValueError(f"case {step.case_id}: the first step must carry the case row")
    values["closed_at"] = occurred_at if columns.status == "gesloten" else None
    session.execute(insert(CASE).values({**_case_defaults(), **values, "case_id": step.case_id}))


def _case_defaults() -> dict[str, Any]:
    """Columns the workflow never writes get the model's defaults on a new row."""
    defaults = {name: getattr(column.default, "arg", None) for name, column in CASE.c.items()}
    return {name: arg for name, arg in defaults.items() if arg is not None and not callable(arg)}


def _write_betrokkenen(session: Session, case_id: str, changed: list[BetrokkeneRow]) -> None:
    for state in changed:
        values = _utc_values(state)
        done = session.execute(
            update(BETROKKENE)
            .where(BETROKKENE.c.case_id == case_id, BETROKKENE.c.ref == state.ref)
            .values(values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            session.execute(insert(BETROKKENE).values(case_id=case_id, **values))


def _write_parties(session: Session, case_id: str, added: list[str]) -> None:
    known = set(
        session.execute(core_select(PARTY.c.sub).where(PARTY.c.case_id == case_id)).scalars()
    )
    for sub in added:
        if sub not in known:
            session.execute(insert(PARTY).values(case_id=case_id, sub=sub))


def _write_measures(session: Session, case_id: str, changed: list[MeasureRows]) -> None:
    for wanted in changed:
        of_ref = and_(
            MEASURE.c.case_id == case_id, MEASURE.c.betrokkene_ref == wanted.betrokkene_ref
        )
        session.execute(MEASURE.delete().where(of_ref, MEASURE.c.measure.not_in(wanted.measures)))
        decided_at = _utc(wanted.decided_at)
        for measure in wanted.measures:
            done = session.execute(
                update(MEASURE)
                .where(of_ref, MEASURE.c.measure == measure)
                .values(decided_at=decided_at)
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                session.execute(
                    insert(MEASURE).values(
                        case_id=case_id,
                        betrokkene_ref=wanted.betrokkene_ref,
                        measure=measure,
                        decided_at=decided_at,
                    )
                )


def _write_tasks(session: Session, case_id: str, changed: list[TaskRow]) -> None:
    new: list[dict[str, Any]] = []
    for state in changed:
        values = _utc_values(state)
        values["assignees"] = list(state.assignees)
        done = session.execute(
            update(TASK)
            .where(TASK.c.task_id == state.task_id, TASK.c.case_id == case_id)
            .values(values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            new.append({"case_id": case_id, **values})
    if not new:
        return
    ids = [v["task_id"] for v in new]
    taken = session.execute(
        core_select(TASK.c.task_id, TASK.c.case_id).where(col(TASK.c.task_id).in_(ids))
    ).first()
    if taken is not None:
        raise ValueError(f"task {taken[0]} belongs to case {taken[1]}, not {case_id}")
    session.execute(insert(TASK), new)


def _write_events(session: Session, step: CaseStep, prev_hash: str) -> None:
    """Audit events (hash-chained and sealed), phase visits, outbox, signed head/checkpoints."""
    key = audit_key()
    case_id = step.case_id
    events: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    phases = _PhaseVisits(session, case_id)
    for item in step.events:
        at = _utc(item.event.occurred_at)
        phases.at(item.phase, at)
        row: dict[str, Any] = {
            "case_id": case_id,
            "seq": item.seq,
            "event_type": item.event.event_type,
            "occurred_at": at,
            "actor_sub": item.event.actor_sub,
            "actor_name": item.event.actor_name,
            "actor_role": item.event.actor_role,
            "details": normalise_details(item.event.details),
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = event_hash(**row)
        row["mac"] = sealed_event(key, case_id, item.seq, prev_hash)
        events.append(row)
        notes += [
            {"case_id": case_id, "seq": item.seq, "idx": idx, "created_at": at, **n.model_dump()}
            for idx, n in enumerate(item.notifications)
        ]
        if item.seq % CHECKPOINT_EVERY == 0:
            mac = checkpoint_mac(key, case_id, item.seq, prev_hash)
            points.append(
                {
                    "case_id": case_id,
                    "seq": item.seq,
                    "hash": prev_hash,
                    "mac": mac,
                    "created_at": at,
                }
            )
    session.execute(insert(EVENT), events)
    if notes:
        session.execute(insert(OUTBOX), notes)
    if points:
        session.execute(insert(CHECKPOINT), points)
    phases.write()
    head = {
        "seq": step.last_seq,
        "hash": prev_hash,
        "mac": head_mac(key, case_id, step.last_seq, prev_hash),
    }
    done = session.execute(update(HEAD).where(HEAD.c.case_id == case_id).values(head))
    if not done.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(HEAD).values(case_id=case_id, **head))


class _PhaseVisits:
    """When the case entered and left each phase, followed event by event within a step."""

    def __init__(self, session: Session, case_id: str) -> None:
        self.session = session
        self.case_id = case_id
        self.open = session.execute(
            core_select(VISIT.c.id, VISIT.c.phase)
            .where(VISIT.c.case_id == case_id, VISIT.c.left_at.is_(None))
            .order_by(VISIT.c.entered_at.desc())
        ).first()
        self.phase = self.open[1] if self.open else None
        self.left_at: datetime | None = None
        self.entered: list[dict[str, Any]] = []

    def at(self, phase: str, occurred_at: datetime) -> None:
        if self.phase == phase:
            return
        if self.entered:
            self.entered[-1]["left_at"] = occurred_at
        elif self.open is not None:
            self.left_at = occurred_at
        self.phase = phase
        visit = {"case_id": self.case_id, "phase": phase, "entered_at": occurred_at}
        self.entered.append({**visit, "left_at": None})

    def write(self) -> None:
        if self.open is not None and self.left_at is not None:
            self.session.execute(
                update(VISIT).where(VISIT.c.id == self.open[0]).values(left_at=self.left_at)
            )
        if self.entered:
            self.session.execute(insert(VISIT), self.entered)
