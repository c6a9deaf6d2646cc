"""Writes one step of a case (an Update or a timer firing) in the caller's transaction.

A step carries its audit events and only the rows that changed. It is written with plain
SQL statements on the session's connection and transaction: the task rows in one upsert
(executemany), one multi-row INSERT per kind of new row, so a step costs a handful of
statements whatever its size, each built once with bound parameters and run on the DBAPI
cursor (``store.statements.run``). What does not depend on the store is built before the
transaction (``store.step_rows``); the rows that changed are written by ``store.row_writes``.
A phantom tail the step meets is replaced (``store.phantoms``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session

from domain.transition import CaseStep
from store import row_writes
from store.audit import CHECKPOINT_EVERY, checkpoint_mac, head_mac
from store.audit_hash import GENESIS_HASH
from store.phantoms import Recorded, refuse_if_stale, remove_phantom
from store.projection import OutOfOrderTransition
from store.statements import (
    CHECKPOINT,
    EVENT,
    HEAD,
    OUTBOX,
    VISIT,
    built_once,
    fetch,
    insert_of,
    params_of,
    run,
    update_of,
)
from store.step_rows import StepRows


class StepRowsUnknown(RuntimeError):
    """A step built while replaying (its rows not worked out) whose events are not recorded:
    writing its events without the rows would leave the case's rows behind them."""


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


def write_step(session: Session, step: CaseStep, prepared: StepRows | None = None) -> StepOutcome:
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

    ``prepared`` (``StepRows(step)``, built before the transaction) saves that work while the
    store's write lock is held.
    """
    prepared = prepared or StepRows(step)
    connection = session.connection()
    prev_hash, recorded = _recorded_from(connection, step)
    rows = prepared.events(prev_hash)
    same = 0
    for row in rows:
        if recorded.get(row["seq"], ("",))[0] != row["hash"]:
            break
        same += 1
    phantom = sorted(seq for seq in recorded if seq >= step.first_seq + same)
    if same == len(rows) and not phantom:
        return StepOutcome()
    if phantom:
        refuse_if_stale(step, phantom, recorded)
    if not step.rows_known:
        raise StepRowsUnknown(
            f"case {step.case_id}: step {step.first_seq} was built while replaying, without "
            "its rows, and is not recorded yet; the case sends it again with every row"
        )
    outcome = StepOutcome(written=tuple(r["seq"] for r in rows[same:]))
    if phantom:
        sent = remove_phantom(connection, step, phantom, recorded)
        outcome = StepOutcome(
            written=outcome.written,
            replaced=tuple(phantom),
            replaced_types=tuple(recorded[seq][2] for seq in phantom),
            notifications_already_sent=sent,
        )
    row_writes.write_case(connection, step)
    row_writes.write_betrokkenen(connection, step.case_id, prepared.betrokkenen)
    row_writes.write_measures(connection, step.case_id, step.rows.measures)
    row_writes.write_tasks(connection, step.case_id, prepared.tasks)
    row_writes.write_parties(connection, step.case_id, step.rows.parties)
    _write_events(connection, prepared, rows, same)
    return outcome


def _recorded_from(connection: Connection, step: CaseStep) -> tuple[str, Recorded]:
    """The hash the step links to, and every event recorded from the step's first seq on."""
    stmt = built_once(
        ("recorded-from",),
        lambda: core_select(
            EVENT.c.seq, EVENT.c.hash, EVENT.c.occurred_at, EVENT.c.event_type, EVENT.c.mac
        ).where(EVENT.c.case_id == bindparam("case_id"), EVENT.c.seq >= bindparam("first")),
    )
    found = fetch(connection, stmt, {"case_id": step.case_id, "first": step.first_seq - 1})
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


def _write_events(
    connection: Connection, prepared: StepRows, rows: list[dict[str, Any]], skip: int
) -> None:
    """Audit events from ``skip`` on (those before are recorded), phase visits, outbox,
    signed head/checkpoints."""
    step, key = prepared.step, prepared.key
    case_id = step.case_id
    notes: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    phases = _PhaseVisits(connection, case_id)
    for item, row, of_event in list(zip(step.events, rows, prepared.notes, strict=True))[skip:]:
        at = row["occurred_at"]
        phases.at(item.phase, at)
        notes += of_event
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
        run(connection, insert_of(EVENT), rows[skip:])
    if notes:
        run(connection, insert_of(OUTBOX), notes)
    if points:
        run(connection, insert_of(CHECKPOINT), points)
    phases.write()
    last_hash = rows[-1]["hash"]
    head = {
        "seq": step.last_seq,
        "hash": last_hash,
        "mac": head_mac(key, case_id, step.last_seq, last_hash),
    }
    if not run(
        connection,
        update_of(HEAD, ("case_id",), tuple(head)),
        params_of({"case_id": case_id}, head),
    ):
        run(connection, insert_of(HEAD), {"case_id": case_id, **head})


class _PhaseVisits:
    """When the case entered and left each phase, followed event by event within a step."""

    def __init__(self, connection: Connection, case_id: str) -> None:
        self.connection = connection
        self.case_id = case_id
        current = built_once(
            ("visit-open",),
            lambda: (
                core_select(VISIT.c.id, VISIT.c.phase)
                .where(VISIT.c.case_id == bindparam("case_id"), VISIT.c.left_at.is_(None))
                .order_by(VISIT.c.entered_at.desc())
                .limit(1)
            ),
        )
        found = fetch(connection, current, {"case_id": case_id})
        self.open = found[0] if found else None
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
            run(
                self.connection,
                update_of(VISIT, ("id",), ("left_at",)),
                params_of({"id": self.open[0]}, {"left_at": self.left_at}),
            )
        if self.entered:
            run(self.connection, insert_of(VISIT), self.entered)
