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
from dataclasses import dataclass
from datetime import UTC, datetime
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
    ReplacedEvent,
    Task,
)
from store.projection import OutOfOrderTransition, _utc, _utc_values


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


CASE, TASK, BETROKKENE, MEASURE = (_table(m) for m in (Case, Task, Betrokkene, MeasureDecision))
EVENT, OUTBOX, VISIT = _table(AuditEvent), _table(OutboxNotification), _table(PhaseVisit)
HEAD, CHECKPOINT = _table(AuditHead), _table(AuditCheckpoint)
PARTY, REPLACED = _table(CaseParty), _table(ReplacedEvent)


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


@dataclass(frozen=True)
class StepOutcome:
    """What writing one step did: the events it wrote, and a phantom tail it replaced."""

    written: tuple[int, ...] = ()
    # Events the store held from this step's first seq on that the case's history never
    # accepted (a worker died after committing them, before its workflow task completed).
    replaced: tuple[int, ...] = ()
    replaced_types: tuple[str, ...] = ()
    notifications_already_sent: int = 0

    @property
    def applied(self) -> bool:
        return bool(self.written or self.replaced)


def apply_step(session: Session, step: CaseStep) -> bool:
    """Writes ``step``; False (and nothing written) if its events were already recorded."""
    return write_step(session, step).applied


def write_step(session: Session, step: CaseStep) -> StepOutcome:
    """Writes ``step`` in the caller's transaction, idempotent on (case, seq).

    The workflow is the only writer of its case and its state is rebuilt from the history
    Temporal accepted, so a step always starts right after the last event that history holds.
    What the store holds from there on is either this very step again (a retry: identical
    events, identical hashes) or a phantom: events a worker committed before dying, whose
    workflow task never completed, so no history holds them (the re-delivered Updates may
    now come in another order, merged into one step, at another ``workflow.now()``). The
    step's events are hashed as they would be written; an identical recorded prefix is kept,
    and from the first difference the recorded tail is replaced by the step, in this
    transaction, so the chain stays whole and ends where the workflow's own count does.
    """
    _check_sequence(step)
    connection = session.connection()
    prev_hash, recorded = _recorded_from(connection, step)
    key = audit_key()
    rows = _event_rows(step, prev_hash, key)
    same = 0
    for row in rows:
        if recorded.get(row["seq"], ("",))[0] != row["hash"]:
            break
        same += 1
    phantom = sorted(seq for seq in recorded if seq >= step.first_seq + same)
    if same == len(rows) and not phantom:
        return StepOutcome()
    if phantom:
        _refuse_if_stale(step, phantom, recorded)
    outcome = StepOutcome(written=tuple(r["seq"] for r in rows[same:]))
    if phantom:
        sent = _remove_phantom(connection, step, phantom, recorded)
        outcome = StepOutcome(
            written=outcome.written,
            replaced=tuple(phantom),
            replaced_types=tuple(recorded[seq][2] for seq in phantom),
            notifications_already_sent=sent,
        )
    _write_case(connection, step)
    _write_betrokkenen(connection, step.case_id, step.rows.betrokkenen)
    _write_measures(connection, step.case_id, step.rows.measures)
    _write_tasks(connection, step.case_id, step.rows.tasks)
    _write_parties(connection, step.case_id, step.rows.parties)
    _write_events(connection, step, rows, same, key)
    return outcome


def _check_sequence(step: CaseStep) -> None:
    seqs = [item.seq for item in step.events]
    if seqs[0] < 1 or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise ValueError(f"case {step.case_id}: the events of a step must be 1, 2, ...: {seqs}")


# seq -> (hash, occurred_at, event_type, mac) of what the store holds from a step's first seq on
Recorded = dict[int, tuple[str, datetime | None, str, str]]


def _recorded_from(connection: Connection, step: CaseStep) -> tuple[str, Recorded]:
    """The hash the step links to, and every event recorded from the step's first seq on."""
    stmt = _stmt(
        ("recorded-from",),
        lambda: core_select(
            EVENT.c.seq, EVENT.c.hash, EVENT.c.occurred_at, EVENT.c.event_type, EVENT.c.mac
        ).where(EVENT.c.case_id == bindparam("case_id"), EVENT.c.seq >= bindparam("first")),
    )
    found = connection.execute(stmt, {"case_id": step.case_id, "first": step.first_seq - 1})
    recorded: Recorded = {seq: (hash_, at, type_, mac) for seq, hash_, at, type_, mac in found}
    if step.first_seq == 1:
        prev_hash = GENESIS_HASH
    elif step.first_seq - 1 in recorded:
        prev_hash = recorded.pop(step.first_seq - 1)[0]
    else:
        raise OutOfOrderTransition(
            f"case {step.case_id}: event {step.first_seq} arrived before event "
            f"{step.first_seq - 1} was recorded"
        )
    return prev_hash, recorded


class StaleStep(RuntimeError):
    """A step decided before what the store holds from its first seq on: its writer is a
    worker whose workflow task already timed out and was taken over (a zombie), so the
    history will not accept it. Nothing is written; the activity retries until that worker
    gives the case up."""


def _refuse_if_stale(step: CaseStep, phantom: list[int], recorded: Recorded) -> None:
    """A recorded tail is replaced only by a step decided in a later workflow task.

    ``workflow.now()`` is the start of the workflow task that decided an event. The worker
    that takes a case over after a crash or a timeout runs a later workflow task than every
    worker that wrote before it; a zombie still writing after the take-over runs an earlier
    one, and must not replace what its successor wrote."""
    decided = max(_utc(item.event.occurred_at) for item in step.events)
    tail = [_utc(at) for seq in phantom if (at := recorded[seq][1]) is not None]
    if tail and max(tail) > decided:
        raise StaleStep(
            f"case {step.case_id}: events {phantom[0]}-{phantom[-1]} were recorded by a later "
            f"workflow task than this step's (decided {decided.isoformat()}): not replaced"
        )


def _remove_phantom(
    connection: Connection, step: CaseStep, phantom: list[int], recorded: Recorded
) -> int:
    """Deletes a phantom tail (events from ``phantom[0]`` on) and what was written with it.

    Its events, notifications, checkpoints and phase visits go; the signed head and the case's
    last_seq are rewritten by the step. Rows (tasks, case columns...) it changed are rewritten
    by the step when it carries every row of the case (``CaseStep.resync``: the first step a
    worker writes after loading the case), which also drops rows only the phantom created.
    A trace of each replaced event (type, moment, hash and seal; no content) is kept.
    Returns how many of its notifications had already been sent."""
    case_id, first = step.case_id, phantom[0]
    of_tail = {"case_id": case_id, "first": first}
    sent = connection.execute(
        _stmt(
            ("phantom-sent",),
            lambda: core_select(func.count()).where(
                OUTBOX.c.case_id == bindparam("case_id"),
                OUTBOX.c.seq >= bindparam("first"),
                OUTBOX.c.sent_at.is_not(None),
            ),
        ),
        of_tail,
    ).scalar_one()
    replaced_at = datetime.now(UTC)
    connection.execute(
        _insert(REPLACED),
        [
            {
                "case_id": case_id,
                "seq": seq,
                "event_type": recorded[seq][2],
                "occurred_at": recorded[seq][1],
                "hash": recorded[seq][0],
                "mac": recorded[seq][3],
                "replaced_at": replaced_at,
            }
            for seq in phantom
        ],
    )
    for table in (EVENT, OUTBOX, CHECKPOINT):
        connection.execute(_delete_from_seq(table), of_tail)
    # Phase visits carry moments, not seqs: the phantom's are those from its first event on
    # (a later workflow task than any accepted event, so strictly after them).
    moments = [_utc(at) for seq in phantom if (at := recorded[seq][1]) is not None]
    if moments:
        since = {"k_case_id": case_id, "since": min(moments)}
        connection.execute(
            _stmt(
                ("phantom-visits",),
                lambda: VISIT.delete().where(
                    VISIT.c.case_id == bindparam("k_case_id"),
                    VISIT.c.entered_at >= bindparam("since"),
                ),
            ),
            since,
        )
        connection.execute(
            _stmt(
                ("phantom-reopen",),
                lambda: (
                    update(VISIT)
                    .where(
                        VISIT.c.case_id == bindparam("k_case_id"),
                        VISIT.c.left_at >= bindparam("since"),
                    )
                    .values(left_at=None)
                ),
            ),
            since,
        )
    if step.resync:
        _drop_rows_not_in(connection, step)
    return int(sent)


def _delete_from_seq(table: Table) -> Executable:
    return _stmt(
        ("phantom-delete", table.name),
        lambda: table.delete().where(
            table.c.case_id == bindparam("case_id"), table.c.seq >= bindparam("first")
        ),
    )


def _drop_rows_not_in(connection: Connection, step: CaseStep) -> None:
    """Rows of the case that its full row set does not hold: a phantom created them."""
    case_id, rows = step.case_id, step.rows
    kept: list[tuple[Table, Any, list[str]]] = [
        (TASK, TASK.c.task_id, [t.task_id for t in rows.tasks]),
        (BETROKKENE, BETROKKENE.c.ref, [b.ref for b in rows.betrokkenen]),
        (MEASURE, MEASURE.c.betrokkene_ref, [m.betrokkene_ref for m in rows.measures]),
        (PARTY, PARTY.c.sub, list(rows.parties)),
    ]
    for table, column, keys in kept:
        connection.execute(table.delete().where(table.c.case_id == case_id, column.not_in(keys)))


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


def _event_rows(step: CaseStep, prev_hash: str, key: bytes) -> list[dict[str, Any]]:
    """The step's audit event rows as they are written: hash-chained and sealed."""
    case_id = step.case_id
    events: list[dict[str, Any]] = []
    for item in step.events:
        row: dict[str, Any] = {
            "case_id": case_id,
            "seq": item.seq,
            "event_type": item.event.event_type,
            "occurred_at": _utc(item.event.occurred_at),
            "actor_sub": item.event.actor_sub,
            "actor_name": item.event.actor_name,
            "actor_role": item.event.actor_role,
            "details": normalise_details(item.event.details),
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = event_hash(**row)
        row["mac"] = sealed_event(key, case_id, item.seq, prev_hash)
        events.append(row)
    return events


def _write_events(
    connection: Connection, step: CaseStep, rows: list[dict[str, Any]], skip: int, key: bytes
) -> None:
    """Audit events from ``skip`` on (those before are recorded), phase visits, outbox,
    signed head/checkpoints."""
    case_id = step.case_id
    notes: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    phases = _PhaseVisits(connection, case_id)
    for item, row in list(zip(step.events, rows, strict=True))[skip:]:
        at = row["occurred_at"]
        phases.at(item.phase, at)
        notes += [
            {"case_id": case_id, "seq": item.seq, "idx": idx, "created_at": at, **n.model_dump()}
            for idx, n in enumerate(item.notifications)
        ]
        if item.seq % CHECKPOINT_EVERY == 0:
            mac = checkpoint_mac(key, case_id, item.seq, row["hash"])
            points.append(
                {
                    "case_id": case_id,
                    "seq": item.seq,
                    "hash": row["hash"],
                    "mac": mac,
                    "created_at": at,
                }
            )
    if rows[skip:]:
        connection.execute(_insert(EVENT), rows[skip:])
    if notes:
        connection.execute(_insert(OUTBOX), notes)
    if points:
        connection.execute(_insert(CHECKPOINT), points)
    phases.write()
    last_hash = rows[-1]["hash"]
    head = {
        "seq": step.last_seq,
        "hash": last_hash,
        "mac": head_mac(key, case_id, step.last_seq, last_hash),
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
