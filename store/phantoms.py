"""Phantom tails: events a worker committed that the case's history never accepted.

A worker killed after its store write committed, but before its workflow task completed,
leaves events no history holds; the case decides again and its next step replaces them
(``store.steps.write_step``). A late worker whose task was taken over must not replace what
its successor wrote (``StaleStep``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, func, update
from sqlalchemy import select as core_select

from domain.transition import CaseStep
from store.projection import utc_moment
from store.statements import (
    BETROKKENE,
    CHECKPOINT,
    EVENT,
    MEASURE,
    OUTBOX,
    PARTY,
    REPLACED,
    TASK,
    VISIT,
    built_once,
    fetch,
    insert_of,
    run,
)

# seq -> (hash, occurred_at, event_type, mac) of what the store holds from a step's first seq on
Recorded = dict[int, tuple[str, datetime | None, str, str]]


class StaleStep(RuntimeError):
    """A step decided before what the store holds from its first seq on: its writer is a
    worker whose workflow task already timed out and was taken over (a zombie), so the
    history will not accept it. Nothing is written; the activity retries until that worker
    gives the case up."""


def refuse_if_stale(step: CaseStep, phantom: list[int], recorded: Recorded) -> None:
    """A recorded tail is replaced only by a step decided in a later workflow task.

    ``workflow.now()`` is the start of the workflow task that decided an event. The worker
    that takes a case over after a crash or a timeout runs a later workflow task than every
    worker that wrote before it; a zombie still writing after the take-over runs an earlier
    one, and must not replace what its successor wrote."""
    decided = max(utc_moment(item.event.occurred_at) for item in step.events)
    tail = [utc_moment(at) for seq in phantom if (at := recorded[seq][1]) is not None]
    if tail and max(tail) > decided:
        raise StaleStep(
            f"case {step.case_id}: events {phantom[0]}-{phantom[-1]} were recorded by a later "
            f"workflow task than this step's (decided {decided.isoformat()}): not replaced"
        )


def remove_phantom(
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
    [(sent,)] = fetch(
        connection,
        built_once(
            ("phantom-sent",),
            lambda: core_select(func.count()).where(
                OUTBOX.c.case_id == bindparam("case_id"),
                OUTBOX.c.seq >= bindparam("first"),
                OUTBOX.c.sent_at.is_not(None),
            ),
        ),
        of_tail,
    )
    replaced_at = datetime.now(UTC)
    run(
        connection,
        insert_of(REPLACED),
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
        run(connection, _delete_from_seq(table), of_tail)
    # Phase visits carry moments, not seqs: the phantom's are those from its first event on
    # (a later workflow task than any accepted event, so strictly after them).
    moments = [utc_moment(at) for seq in phantom if (at := recorded[seq][1]) is not None]
    if moments:
        since = {"k_case_id": case_id, "since": min(moments)}
        run(
            connection,
            built_once(
                ("phantom-visits",),
                lambda: VISIT.delete().where(
                    VISIT.c.case_id == bindparam("k_case_id"),
                    VISIT.c.entered_at >= bindparam("since"),
                ),
            ),
            since,
        )
        run(
            connection,
            built_once(
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
    return built_once(
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
