"""Writes one step of a case (an Update or a timer firing) in the caller's transaction.

A step carries its audit events and only the rows that changed. It is written with plain
SQL statements (SQLAlchemy Core, on the session's connection and transaction): one look-up of
which task rows exist, an UPDATE per changed row (executemany), and one multi-row INSERT per
kind of new row, so a step costs a handful of statements whatever its size. Every statement
is built once with bound parameters (``_stmt``): building a statement with its values
inlined costs more CPU than SQLite takes to run it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, func, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session

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


_STATEMENTS: dict[tuple[Any, ...], Executable] = {}


def _stmt(key: tuple[Any, ...], build: Callable[[], Executable]) -> Executable:
    """The statement built once per shape; its values travel as bound parameters."""
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build()
    return found


def _update(table: Table, where: tuple[str, ...], columns: tuple[str, ...]) -> Executable:
    """UPDATE table SET column = :v_column ... WHERE key = :k_key ..."""
    return _stmt(
        ("update", table.name, where, columns),
        lambda: (
            update(table)
            .where(*(table.c[k] == bindparam(f"k_{k}") for k in where))
            .values({c: bindparam(f"v_{c}") for c in columns})
        ),
    )


def _params(where: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {**{f"k_{k}": v for k, v in where.items()}, **{f"v_{c}": v for c, v in values.items()}}


def _insert(table: Table) -> Executable:
    return _stmt(("insert", table.name), lambda: insert(table))


def apply_step(session: Session, step: CaseStep) -> bool:
    """Writes ``step``; False (and nothing written) if its events were already recorded."""
    _check_sequence(step)
    connection = session.connection()
    prev_hash = _previous_hash(connection, step)
    if prev_hash is None:
        return False
    _write_case(connection, step)
    _write_betrokkenen(connection, step.case_id, step.rows.betrokkenen)
    _write_measures(connection, step.case_id, step.rows.measures)
    _write_tasks(connection, step.case_id, step.rows.tasks)
    _write_parties(connection, step.case_id, step.rows.parties)
    _write_events(connection, step, prev_hash)
    return True


def _check_sequence(step: CaseStep) -> None:
    seqs = [item.seq for item in step.events]
    if seqs[0] < 1 or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise ValueError(f"case {step.case_id}: the events of a step must be 1, 2, ...: {seqs}")


def _previous_hash(connection: Connection, step: CaseStep) -> str | None:
    """The hash the step links to; None if the step is recorded already (a retry)."""
    seqs = [item.seq for item in step.events]
    stmt = _stmt(
        ("previous",),
        lambda: core_select(EVENT.c.seq, EVENT.c.hash).where(
            EVENT.c.case_id == bindparam("case_id"),
            EVENT.c.seq.between(bindparam("first"), bindparam("last")),
        ),
    )
    rows = connection.execute(
        stmt, {"case_id": step.case_id, "first": step.first_seq - 1, "last": step.last_seq}
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


def _write_case(connection: Connection, step: CaseStep) -> None:
    occurred_at = _utc(step.events[-1].event.occurred_at)
    values: dict[str, Any] = {"updated_at": occurred_at, "last_seq": step.last_seq}
    columns = step.rows.case
    closing = columns is not None and columns.status == "gesloten"
    if columns is not None:
        values.update(_utc_values(columns))
        values["closed_at"] = occurred_at if closing else None
    names = tuple(values)

    def build() -> Executable:
        # A closed case keeps the moment it first closed.
        kept = {"closed_at": func.coalesce(CASE.c.closed_at, bindparam("v_closed_at"))}
        return (
            update(CASE)
            .where(CASE.c.case_id == bindparam("k_case_id"))
            .values({c: bindparam(f"v_{c}") for c in names} | (kept if closing else {}))
        )

    stmt = _stmt(("case", names, closing), build)
    done = connection.execute(stmt, _params({"case_id": step.case_id}, values))
    if done.rowcount:
        return
    if columns is None:
        raise ValueError(f"case {step.case_id}: the first step must carry the case row")
    connection.execute(insert(CASE).values({**_case_defaults(), **values, "case_id": step.case_id}))


def _case_defaults() -> dict[str, Any]:
    """Columns the workflow never writes get the model's defaults on a new row."""
    defaults = {name: getattr(column.default, "arg", None) for name, column in CASE.c.items()}
    return {name: arg for name, arg in defaults.items() if arg is not None and not callable(arg)}


def _write_betrokkenen(connection: Connection, case_id: str, changed: list[BetrokkeneRow]) -> None:
    for state in changed:
        values = _utc_values(state)
        stmt = _update(BETROKKENE, ("case_id", "ref"), tuple(values))
        done = connection.execute(stmt, _params({"case_id": case_id, "ref": state.ref}, values))
        if not done.rowcount:
            connection.execute(_insert(BETROKKENE), {"case_id": case_id, **values})


def _write_parties(connection: Connection, case_id: str, added: list[str]) -> None:
    if not added:
        return
    known = set(
        connection.execute(core_select(PARTY.c.sub).where(PARTY.c.case_id == case_id)).scalars()
    )
    new = [{"case_id": case_id, "sub": sub} for sub in dict.fromkeys(added) if sub not in known]
    if new:
        connection.execute(_insert(PARTY), new)


def _write_measures(connection: Connection, case_id: str, changed: list[MeasureRows]) -> None:
    for wanted in changed:
        of_ref = {"case_id": case_id, "ref": wanted.betrokkene_ref}
        dropped = _stmt(
            ("measures-dropped",),
            lambda: MEASURE.delete().where(
                MEASURE.c.case_id == bindparam("case_id"),
                MEASURE.c.betrokkene_ref == bindparam("ref"),
                MEASURE.c.measure.not_in(bindparam("kept", expanding=True)),
            ),
        )
        connection.execute(dropped, {**of_ref, "kept": list(wanted.measures)})
        decided_at = _utc(wanted.decided_at)
        stmt = _update(MEASURE, ("case_id", "betrokkene_ref", "measure"), ("decided_at",))
        for measure in wanted.measures:
            where = {
                "case_id": case_id,
                "betrokkene_ref": wanted.betrokkene_ref,
                "measure": measure,
            }
            done = connection.execute(stmt, _params(where, {"decided_at": decided_at}))
            if not done.rowcount:
                connection.execute(_insert(MEASURE), {**where, "decided_at": decided_at})


def _write_tasks(connection: Connection, case_id: str, changed: list[TaskRow]) -> None:
    if not changed:
        return
    existing = _stmt(
        ("tasks-existing",),
        lambda: core_select(TASK.c.task_id, TASK.c.case_id).where(
            TASK.c.task_id.in_(bindparam("ids", expanding=True))
        ),
    )
    found = connection.execute(existing, {"ids": [t.task_id for t in changed]})
    owners: dict[str, str] = {task_id: owner for task_id, owner in found}
    updates: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for state in changed:
        values = _utc_values(state)
        values["assignees"] = list(state.assignees)
        owner = owners.get(state.task_id)
        if owner is None:
            new.append({"case_id": case_id, **values})
        elif owner != case_id:
            raise ValueError(f"task {state.task_id} belongs to case {owner}, not {case_id}")
        else:
            updates.append(_params({"task_id": state.task_id}, values))
    if updates:
        columns = tuple(name for name in TaskRow.model_fields if name != "task_id")
        connection.execute(_update(TASK, ("task_id",), columns), updates)
    if new:
        connection.execute(_insert(TASK), new)


def _write_events(connection: Connection, step: CaseStep, prev_hash: str) -> None:
    """Audit events (hash-chained and sealed), phase visits, outbox, signed head/checkpoints."""
    key = audit_key()
    case_id = step.case_id
    events: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    phases = _PhaseVisits(connection, case_id)
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
    connection.execute(_insert(EVENT), events)
    if notes:
        connection.execute(_insert(OUTBOX), notes)
    if points:
        connection.execute(_insert(CHECKPOINT), points)
    phases.write()
    head = {
        "seq": step.last_seq,
        "hash": prev_hash,
        "mac": head_mac(key, case_id, step.last_seq, prev_hash),
    }
    done = connection.execute(
        _update(HEAD, ("case_id",), tuple(head)), _params({"case_id": case_id}, head)
    )
    if not done.rowcount:
        connection.execute(_insert(HEAD), {"case_id": case_id, **head})


class _PhaseVisits:
    """When the case entered and left each phase, followed event by event within a step."""

    def __init__(self, connection: Connection, case_id: str) -> None:
        self.connection = connection
        self.case_id = case_id
        current = _stmt(
            ("visit-open",),
            lambda: (
                core_select(VISIT.c.id, VISIT.c.phase)
                .where(VISIT.c.case_id == bindparam("case_id"), VISIT.c.left_at.is_(None))
                .order_by(VISIT.c.entered_at.desc())
                .limit(1)
            ),
        )
        self.open = connection.execute(current, {"case_id": case_id}).first()
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
            self.connection.execute(
                _update(VISIT, ("id",), ("left_at",)),
                _params({"id": self.open[0]}, {"left_at": self.left_at}),
            )
        if self.entered:
            self.connection.execute(_insert(VISIT), self.entered)
