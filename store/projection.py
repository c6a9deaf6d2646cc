"""Writes what the workflow decided: read model, task inbox, phase visits, audit events, outbox.

`apply_transition` is the older one-event-with-a-snapshot form, kept for runs that started
before steps existed; `store.steps.apply_step` writes one step with only the changed rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar, cast, get_args

from pydantic import BaseModel
from sqlmodel import Session, col, select

from domain.case import BetrokkeneState, CaseState, TaskState
from domain.rows import BetrokkeneRow, CaseRow, TaskRow, case_row
from domain.transition import AuditEventIn, Notification, Transition
from store.audit import seal_events
from store.audit_hash import GENESIS_HASH, normalise_details, stored_event_hash
from store.models import (
    AuditEvent,
    Betrokkene,
    Case,
    MeasureDecision,
    OutboxNotification,
    PhaseVisit,
    Task,
)
from store.parties import sync_parties

_T = TypeVar("_T")


def utc_moment(value: _T) -> _T:
    """SQLite keeps a timestamp's wall-clock time and drops its offset, so store UTC only."""
    if not isinstance(value, datetime):
        return value
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return cast(_T, aware.astimezone(UTC))


class OutOfOrderTransition(RuntimeError):
    """The previous transition of the case is not recorded yet; the activity retries."""


def apply_transition(session: Session, transition: Transition) -> bool:
    """Writes ``transition`` in the caller's transaction; False if it was already written."""
    if transition.case.case_id != transition.case_id:
        raise ValueError(
            f"transition for case {transition.case_id} "
            f"carries the state of case {transition.case.case_id}"
        )
    if _event(session, transition.case_id, transition.seq) is not None:
        return False
    prev_hash = _previous_hash(session, transition.case_id, transition.seq)
    occurred_at = utc_moment(transition.event.occurred_at)
    _upsert_case(session, transition.case, transition.seq, occurred_at)
    session.flush()  # the rows below refer to the case row
    _sync_betrokkenen(session, transition.case)
    _sync_measures(session, transition.case)
    sync_parties(session, transition.case)
    _upsert_tasks(session, transition.case)
    _track_phase(session, transition.case_id, str(transition.case.phase), occurred_at)
    event = _append_event(
        session, transition.case_id, transition.seq, transition.event, prev_hash, occurred_at
    )
    seal_events(session, [event])
    _queue_notifications(
        session, transition.case_id, transition.seq, transition.notifications, occurred_at
    )
    session.flush()
    return True


def _event(session: Session, case_id: str, seq: int) -> AuditEvent | None:
    return session.exec(
        select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == seq)
    ).first()


def _previous_hash(session: Session, case_id: str, seq: int) -> str:
    if seq < 1:
        raise ValueError(f"case {case_id}: transition seq must start at 1, got {seq}")
    if seq == 1:
        return GENESIS_HASH
    previous = _event(session, case_id, seq - 1)
    if previous is None:
        raise OutOfOrderTransition(
            f"case {case_id}: transition {seq} arrived before transition {seq - 1} was recorded"
        )
    return previous.hash


def utc_values(row: CaseRow | TaskRow | BetrokkeneRow) -> dict[str, Any]:
    fields, moments = _fields_of(type(row))
    values = {name: getattr(row, name) for name in fields}
    for name in moments:
        values[name] = utc_moment(values[name])
    return values


@cache
def _fields_of(model: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A row model's fields, and those that can hold a moment (which ``utc_moment`` changes)."""

    def moment(annotation: Any) -> bool:
        return annotation is datetime or any(moment(a) for a in get_args(annotation))

    fields = model.model_fields
    return tuple(fields), tuple(n for n, f in fields.items() if moment(f.annotation))


def _upsert_case(session: Session, case: CaseState, seq: int, occurred_at: datetime) -> None:
    # The melding's text is written at registration, never from the workflow.
    values = utc_values(case_row(case))
    row = session.get(Case, case.case_id)
    if row is None:
        row = Case(case_id=case.case_id, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    row.closed_at = (row.closed_at or occurred_at) if case.status == "gesloten" else None
    row.updated_at = occurred_at
    row.last_seq = seq
    session.add(row)


def _sync_betrokkenen(session: Session, case: CaseState) -> None:
    rows = {
        r.ref: r
        for r in session.exec(select(Betrokkene).where(Betrokkene.case_id == case.case_id)).all()
    }
    for ref, row in rows.items():
        if ref not in case.betrokkenen:
            session.delete(row)
    for ref, state in case.betrokkenen.items():
        row = rows.get(ref) or Betrokkene(case_id=case.case_id, ref=ref)
        _copy_betrokkene(row, state)
        session.add(row)


def _copy_betrokkene(row: Betrokkene, state: BetrokkeneState) -> None:
    row.in_onderzoek = state.in_onderzoek
    row.schending = state.schending
    row.besluit_at = utc_moment(state.besluit_at)
    row.bezwaar = state.bezwaar
    row.geschorst = state.geschorst


def _sync_measures(session: Session, case: CaseState) -> None:
    wanted = {
        (ref, measure): utc_moment(state.besluit_at)
        for ref, state in case.betrokkenen.items()
        for measure in state.maatregelen
    }
    rows = session.exec(
        select(MeasureDecision).where(MeasureDecision.case_id == case.case_id)
    ).all()
    existing = {(r.betrokkene_ref, r.measure): r for r in rows}
    for key, row in existing.items():
        if key not in wanted:
            session.delete(row)
    for (ref, measure), decided_at in wanted.items():
        row = existing.get((ref, measure)) or MeasureDecision(
            case_id=case.case_id, betrokkene_ref=ref, measure=measure
        )
        row.decided_at = decided_at
        session.add(row)


def _upsert_tasks(session: Session, case: CaseState) -> None:
    # The case's rows in one query: each get below is then answered from the session, not by
    # a query of its own while the step holds the store's write lock.
    session.exec(select(Task).where(Task.case_id == case.case_id)).all()
    for state in case.tasks.values():
        row = session.get(Task, state.task_id)
        if row is not None and row.case_id != case.case_id:
            raise ValueError(
                f"task {state.task_id} belongs to case {row.case_id}, not {case.case_id}"
            )
        session.add(_task_row(row, case.case_id, state))


# Copied as they are; the enum fields are stored as their values.
_TASK_FIELDS = (
    "unit",
    "label",
    "betrokkene",
    "status",
    "basis",
    "opened_at",
    "due_at",
    "reminder_at",
    "reminded",
    "escalation_level",
    "extensions",
    "completed_at",
    "completed_by",
    "claimed_by",
)


def _task_row(row: Task | None, case_id: str, state: TaskState) -> Task:
    values: dict[str, Any] = {name: utc_moment(getattr(state, name)) for name in _TASK_FIELDS}
    values.update(
        case_id=case_id,
        task_type=str(state.task_type),
        phase=str(state.phase),
        role=str(state.role),
        assignees=list(state.assignees),
    )
    if row is None:
        return Task(task_id=state.task_id, **values)
    for name, value in values.items():
        setattr(row, name, value)
    return row


def _track_phase(session: Session, case_id: str, phase: str, occurred_at: datetime) -> None:
    open_visit = session.exec(
        select(PhaseVisit)
        .where(PhaseVisit.case_id == case_id, col(PhaseVisit.left_at).is_(None))
        .order_by(col(PhaseVisit.entered_at).desc())
    ).first()
    if open_visit is not None and open_visit.phase == phase:
        return
    if open_visit is not None:
        open_visit.left_at = occurred_at
        session.add(open_visit)
    session.add(PhaseVisit(case_id=case_id, phase=phase, entered_at=occurred_at))


def _append_event(
    session: Session,
    case_id: str,
    seq: int,
    event: AuditEventIn,
    prev_hash: str,
    occurred_at: datetime,
) -> AuditEvent:
    row = AuditEvent(
        case_id=case_id,
        seq=seq,
        event_type=event.event_type,
        occurred_at=occurred_at,
        actor_sub=event.actor_sub,
        actor_name=event.actor_name,
        actor_role=event.actor_role,
        details=normalise_details(event.details),
        prev_hash=prev_hash,
        hash="",
    )
    row.hash = stored_event_hash(row)
    session.add(row)
    return row


def _queue_notifications(
    session: Session,
    case_id: str,
    seq: int,
    notifications: list[Notification],
    created_at: datetime,
) -> None:
    for idx, note in enumerate(notifications):
        session.add(
            OutboxNotification(
                case_id=case_id,
                seq=seq,
                idx=idx,
                created_at=created_at,
                **note.model_dump(),
            )
        )
