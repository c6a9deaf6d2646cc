"""The baselines the write benchmarks hold sg989 against: a bare workflow and its Update.

The Update bumps a counter and, depending on ``BareWrite``, awaits an activity or a local
activity that inserts one row in the store. With ``CaseCommands`` it also carries what a task
completion has Temporal carry out besides the Update and the write (`--only gap`): its deadline
timer moved, and the search attributes upserted when the phase changed (issue 9), at the rate
counted on a case's history (``commands_of``).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from workflows.search import PHASE


@dataclass
class Row:
    workflow_id: str
    n: int


class RowWriter:
    """The one-row insert of the baselines, into a table of its own that it creates."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE IF NOT EXISTS bench_row (workflow_id TEXT, n INTEGER, at TEXT)")
            )

    @activity.defn(name="bench_write_row")
    def write_row(self, row: Row) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_row (workflow_id, n, at) VALUES (:w, :n, :at)"),
                {"w": row.workflow_id, "n": row.n, "at": datetime.now(UTC).isoformat()},
            )


class BareWrite(StrEnum):
    """What a bare Update awaits besides bumping its counter."""

    none = "none"
    activity = "activity"  # an activity that inserts one row ("bare + activity")
    local = "local"  # the same insert as a local activity (`--only gap`)


@dataclass
class CaseCommands:
    """Commands per task completion besides the Update and its write."""

    timers: float = 0.0  # the deadline timer moved: cancelled and started again
    upserts: float = 0.0  # search attributes upserted (the phase or Overdue changed)


async def commands_of(handle: WorkflowHandle[Any, Any]) -> CaseCommands:
    """Timers started and upserts per Update in a case's history, from its first Update on."""
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    started = EventType.EVENT_TYPE_TIMER_STARTED
    upserted = EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    counts = dict.fromkeys((accepted, started, upserted), 0)
    async for event in handle.fetch_history_events():
        if event.event_type in counts and (counts[accepted] or event.event_type == accepted):
            counts[event.event_type] += 1
    updates = counts[accepted]
    return CaseCommands(timers=counts[started] / updates, upserts=counts[upserted] / updates)


@workflow.defn(name="BenchBare", sandboxed=False)
class BenchBare:
    @workflow.init
    def __init__(self, write: BareWrite, commands: CaseCommands | None = None) -> None:
        self.write = write
        self.commands = commands or CaseCommands()
        self.owed = CaseCommands()  # fractions of a command carried to the next Update
        self.timer_moves = 0
        self.n = 0
        self.done = False

    @workflow.run
    async def run(self, write: BareWrite, commands: CaseCommands | None = None) -> int:
        if not self.commands.timers:
            await workflow.wait_condition(lambda: self.done)
        while not self.done:  # a deadline timer, moved when an Update asks
            with suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda moves=self.timer_moves: self.done or self.timer_moves != moves,  # type: ignore[misc]
                    timeout=timedelta(days=30),
                )
        return self.n

    @workflow.update
    async def bump(self) -> int:
        self.n += 1
        self._case_commands()
        row = Row(workflow.info().workflow_id, self.n)
        timeout = timedelta(seconds=30)
        if self.write == BareWrite.activity:
            await workflow.execute_activity("bench_write_row", row, start_to_close_timeout=timeout)
        elif self.write == BareWrite.local:
            await workflow.execute_local_activity(
                "bench_write_row", row, start_to_close_timeout=timeout
            )
        return self.n

    def _case_commands(self) -> None:
        self.owed.timers += self.commands.timers
        self.owed.upserts += self.commands.upserts
        if self.owed.timers >= 1:
            self.owed.timers -= 1
            self.timer_moves += 1
        if self.owed.upserts >= 1:
            self.owed.upserts -= 1
            workflow.upsert_search_attributes([PHASE.value_set(f"stap-{self.n}")])

    @workflow.signal
    def finish(self) -> None:
        self.done = True
