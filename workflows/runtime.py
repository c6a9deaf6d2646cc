"""Workflow plumbing shared by the lifecycle: events, their projection to the store, phases.

Tasks and their deadline timers build on it in ``workflows.tasks``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.case import Actor, CaseState, Outcome
    from domain.phases import Phase
    from domain.rows import CaseRows, RowChanges
    from domain.transition import (
        RECORD_STEP,
        RECORD_TRANSITION,
        STEP_ROWS_UNKNOWN,
        WRITE_FAILED,
        AuditEventIn,
        CaseStep,
        Notification,
        StepEvent,
        Transition,
    )

from workflows import patches, search

# Runs without this marker (started before it) keep writing one activity per event.
ONE_WRITE_PER_STEP = "one-write-per-step"
# Rounds of the workflow's event loop without a new event before a step is written: lets every
# coroutine woken by the same Update or timer emit its events into the same step.
QUIET_ROUNDS = 2
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)


class CaseEnded(Exception):
    """Raised inside a step when the case was closed meanwhile (withdrawal)."""


class CaseRuntime:
    s: CaseState

    def __init__(self) -> None:
        self._queue: list[Transition] = []
        self._projected_seq = 0
        self._steps: bool | None = None  # decided at the first event of the run
        self._pending: list[StepEvent] = []
        self._writing = False
        self._written: CaseRows | None = None
        # The first step this worker writes live (past the replayed history) carries every row:
        # the store may hold a phantom step a dead worker committed (store/steps.py). Only the
        # local activity's input differs, never a command, so replay is unaffected.
        self._resync = True
        self.write_failure: str | None = None

    def resumed_from(self, state: CaseState) -> None:
        """After continue-as-new: the store already holds every row of ``state``."""
        self._written = CaseRows.of(state)

    def _one_write_per_step(self) -> bool:
        if self._steps is None:
            self._steps = patches.patched(ONE_WRITE_PER_STEP)
        return self._steps

    # -- events and projection -------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        *,
        actor: Actor | None = None,
        details: dict[str, Any] | None = None,
        notify: list[Notification] | None = None,
    ) -> None:
        """Queue one audit event; the projector writes it with the rows that changed."""
        self.s.seq += 1
        search.publish(self, self.s)  # phase, overdue... may have changed (issue 9)
        event = AuditEventIn(
            event_type=event_type,
            occurred_at=workflow.now(),
            actor_sub=actor.sub if actor else None,
            actor_name=actor.name if actor else None,
            actor_role=(actor.acting_role or actor.roles[0]).value if actor else None,
            details=details or {},
        )
        if self._one_write_per_step():
            self._pending.append(
                StepEvent(
                    seq=self.s.seq, event=event, phase=str(self.s.phase), notifications=notify or []
                )
            )
            return
        self._queue.append(
            Transition(
                case_id=self.s.case_id,
                seq=self.s.seq,
                event=event,
                case=self.s.model_copy(deep=True),
                notifications=notify or [],
            )
        )

    async def project_forever(self) -> None:
        """Write what the case decided, in order, until the run ends (idempotent on seq)."""
        while not self.write_failure:
            await workflow.wait_condition(lambda: bool(self._queue or self._pending))
            if self._queue:
                await self._write_transition(self._queue[0])
            else:
                await self._until_quiet()
                await self._write_step()

    async def _write_transition(self, transition: Transition) -> None:
        """The older path: one activity per event, carrying a snapshot of the case."""
        try:
            await workflow.execute_activity(
                RECORD_TRANSITION,
                transition,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RECORD_RETRY,
                summary=search.activity_summary(transition.event.event_type, self.s.phase.value),
            )
        except ActivityError as err:
            self._stall(err)
            return
        self._queue.pop(0)
        self._projected_seq = transition.seq

    async def _until_quiet(self) -> None:
        quiet = 0
        while quiet < QUIET_ROUNDS:
            seen = len(self._pending)
            await workflow.wait_condition(lambda: True)
            settled_round = len(self._pending) == seen
            quiet = (quiet + 1) if settled_round else 0

    async def _write_step(self) -> None:
        """Everything emitted since the last write, with the rows that changed, in one go."""
        events, self._pending = self._pending, []
        replaying = workflow.unsafe.is_replaying()
        # Replaying, the write is normally not run again (its marker holds the result) and its
        # input is not compared with history: no rows are worked out. Then nothing counts as
        # written, and the first live step carries every row (resync) anyway.
        rows = None if replaying else CaseRows.of(self.s, self._written)
        resync = self._resync and not replaying
        changes = RowChanges()
        if rows is not None:
            changes = rows.everything() if resync else rows.changes_since(self._written)
        step = CaseStep(
            case_id=self.s.case_id,
            events=events,
            rows=changes,
            resync=resync,
            rows_known=rows is not None,
        )
        self._writing = True
        try:
            await workflow.execute_local_activity(
                RECORD_STEP,
                step,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RECORD_RETRY,
                summary=search.step_summary(len(events), events[0].event.event_type),
            )
        except (ActivityError, ApplicationError) as err:  # local activities raise the cause
            self._pending = events + self._pending
            if _failure_type(err) == STEP_ROWS_UNKNOWN:
                # A write a lost worker left in flight, run again from the replay: the next
                # round sends these events live, with every row.
                self._written, self._resync = None, True
                return
            self._stall(err)
            return
        finally:
            self._writing = False
        self._written = rows
        self._resync = self._resync and not resync
        self._projected_seq = step.last_seq

    def _stall(self, err: ActivityError | ApplicationError) -> None:
        cause = _cause(err)
        reason = cause.message if isinstance(cause, ApplicationError) else str(err)
        self.write_failure = (
            f"case {self.s.case_id} is stalled: the store refused its latest changes ({reason}). "
            "An operator has been alerted; no further changes are accepted until it is repaired."
        )
        workflow.logger.error("case write failed for good", extra={"case_id": self.s.case_id})

    async def settled(self) -> None:
        """Wait until everything this case has decided is in the store (read-your-writes)."""
        await workflow.wait_condition(
            lambda: bool(self.write_failure) or not (self._queue or self._pending or self._writing)
        )
        if self.write_failure:
            raise ApplicationError(self.write_failure, type=WRITE_FAILED, non_retryable=True)

    # -- phases ----------------------------------------------------------------------------

    def enter(self, phase: Phase, reason: str | None = None) -> None:
        if self.s.phase == phase and phase.value in self.s.phase_entered_at:
            return
        previous = self.s.phase
        self.s.phase = phase
        self.s.phase_entered_at[phase.value] = workflow.now()
        details: dict[str, Any] = {"van": previous.value, "naar": phase.value}
        if reason:
            details["reden"] = reason
        self.emit("fase_gewijzigd", details=details)

    def close(self, outcome: Outcome, reason: str, actor: Actor | None = None) -> None:
        for task in self.s.open_tasks():
            task.status = "cancelled"
            task.timer_version += 1
        self.s.status = "gesloten"
        self.s.outcome = outcome
        self.s.close_reason = reason
        self.s.phase = Phase.gesloten
        self.s.phase_entered_at[Phase.gesloten.value] = workflow.now()
        self.emit("zaak_gesloten", actor=actor, details={"uitkomst": outcome, "reden": reason})


def _cause(err: ActivityError | ApplicationError) -> BaseException | None:
    return err.cause if isinstance(err, ActivityError) else err


def _failure_type(err: ActivityError | ApplicationError) -> str | None:
    cause = _cause(err)
    return cause.type if isinstance(cause, ApplicationError) else None
