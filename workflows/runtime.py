"""Workflow plumbing shared by the lifecycle: events, projection, tasks and deadline timers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.case import Actor, CaseState, Outcome, TaskState
    from domain.phases import TASK_LABEL, Phase, TaskType, task_owner
    from domain.roles import Role
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
VARIANT_LABEL = {Role.onderzoeker: " (Sectie Interne Onderzoeken)", Role.jurist: " (JuHRA)"}


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
        self._one_timer: bool | None = None  # decided at the first task the run watches
        self._nearest: tuple[tuple[Any, ...], tuple[datetime, str, str] | None] = ((), None)

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

    # -- tasks -----------------------------------------------------------------------------

    def open_task(
        self,
        task_type: TaskType,
        *,
        betrokkene: str | None = None,
        occurrence: str | None = None,
        assignees: list[str] | None = None,
        due_at: datetime | None = None,
    ) -> TaskState:
        """Open a task, or return the open one of that type (steps re-run after continue-as-new)."""
        for task in self.s.open_tasks():
            same = (task.task_type, task.betrokkene, task.occurrence)
            if same == (task_type, betrokkene, occurrence):
                return task
        now = workflow.now()
        policy = self.s.policy
        due = due_at or policy.due(task_type, now, via_mid=self.s.melding.channel == "mid")
        role = task_owner(task_type, self.s.variant)
        label = TASK_LABEL[task_type]
        if self.s.variant == "kmar":
            label += VARIANT_LABEL.get(role, "")
        self.s.task_counter += 1
        task = TaskState(
            task_id=f"{self.s.case_id}-T{self.s.task_counter:02d}",
            task_type=task_type,
            phase=self.s.phase,
            role=role,
            unit=self.s.melding.unit,
            label=label,
            betrokkene=betrokkene,
            occurrence=occurrence,
            assignees=list(assignees or []),
            opened_at=now,
            due_at=due,
            basis=policy.clock(task_type).basis,
            reminder_at=policy.reminder_at(now, due),
        )
        self.s.tasks[task.task_id] = task
        self.emit(
            "taak_geopend",
            details={
                "task_id": task.task_id,
                "task_type": task_type.value,
                "due_at": due.isoformat(),
                "basis": task.basis,
                "betrokkene": betrokkene,
            },
            notify=[self.task_notification(task, "nieuwe_taak")],
        )
        self.watch(task)
        return task

    def task_notification(
        self, task: TaskState, kind: str, role: str | None = None
    ) -> Notification:
        return Notification(
            recipient_role=role or task.role.value,
            recipient_unit=task.unit,
            recipient_sub=task.assignees[0] if task.assignees and role is None else None,
            kind=kind,
            text=f"Er is een taak voor u in zaak {self.s.case_id}.",
        )

    async def until_done(self, *tasks: TaskState) -> None:
        """Wait until every task is done or expired; raises CaseEnded if the case was closed."""
        await workflow.wait_condition(
            lambda: self.s.status != "open" or all(not t.is_open for t in tasks)
        )
        if self.s.status != "open":
            raise CaseEnded()

    # -- deadlines: the updatable-timer pattern --------------------------------------------

    def watch(self, task: TaskState) -> None:
        if self._one_timer is None:
            self._one_timer = patches.patched(patches.ONE_DEADLINE_TIMER)
            if self._one_timer:
                asyncio.create_task(self._watch_case_deadlines())
        if not self._one_timer:  # runs started before: a timer per open task
            asyncio.create_task(self._watch_deadline(task.task_id))

    def _nearest_milestone(self) -> tuple[datetime, str, str] | None:
        """The case's next reminder, deadline or escalation: (when, task id, kind). Asked at
        every activation, so worked out again only when an open task's clock changed."""
        open_tasks = self.s.open_tasks()
        clocks = tuple(
            (t.task_id, t.reminded, t.escalation_level, t.reminder_at, t.due_at) for t in open_tasks
        )
        if clocks != self._nearest[0]:
            nearest = None
            for task in open_tasks:
                milestone = self._next_milestone(task)
                if milestone is not None and (nearest is None or milestone[0] < nearest[0]):
                    nearest = (milestone[0], task.task_id, milestone[1])
            self._nearest = (clocks, nearest)
        return self._nearest[1]

    async def _watch_case_deadlines(self) -> None:
        """One timer for the whole case, set to its nearest milestone. Opening, completing or
        extending a task that does not move the nearest milestone leaves the timer alone."""
        while True:
            nearest = self._nearest_milestone()
            if nearest is None:
                await workflow.wait_condition(lambda: self._nearest_milestone() is not None)
                continue
            at, task_id, kind = nearest
            task = self.s.tasks[task_id]
            wait = at - workflow.now()
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(
                        lambda n=nearest: self._nearest_milestone() != n,  # type: ignore[misc]
                        timeout=wait,
                        timeout_summary=search.timer_summary(
                            task.task_type.value, task.phase.value, kind
                        ),
                    )
                    continue
                except TimeoutError:
                    if self._nearest_milestone() != nearest:  # moved in the same activation
                        continue
            self._deadline_reached(task, kind)

    async def _watch_deadline(self, task_id: str) -> None:
        task = self.s.tasks[task_id]
        while task.is_open:
            version = task.timer_version
            milestone = self._next_milestone(task)
            if milestone is None:
                await workflow.wait_condition(
                    lambda v=version: not task.is_open or task.timer_version != v  # type: ignore[misc]
                )
                continue
            at, kind = milestone
            wait = at - workflow.now()
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(
                        lambda v=version: not task.is_open or task.timer_version != v,  # type: ignore[misc]
                        timeout=wait,
                        timeout_summary=search.timer_summary(
                            task.task_type.value, task.phase.value, kind
                        ),
                    )
                    continue
                except TimeoutError:
                    pass
            if task.is_open and task.timer_version == version:
                self._deadline_reached(task, kind)

    def _next_milestone(self, task: TaskState) -> tuple[datetime, str] | None:
        clock = self.s.policy.clock(task.task_type)
        if not task.reminded:
            return task.reminder_at, "herinnering"
        if task.escalation_level == 0:
            return task.due_at, ("verlopen" if clock.on_deadline == "expire" else "escalatie")
        if task.escalation_level == 1:
            return self.s.policy.second_escalation_at(task.due_at), "escalatie"
        return None

    def _deadline_reached(self, task: TaskState, kind: str) -> None:
        details: dict[str, Any] = {"task_id": task.task_id, "due_at": task.due_at.isoformat()}
        if kind == "herinnering":
            task.reminded = True
            self.emit("herinnering", details=details, notify=[self.task_notification(task, kind)])
            return
        if kind == "verlopen":
            task.status = "expired"
            task.escalation_level = 0
            self.emit("termijn_verstreken", details=details)
            return
        levels = self.s.policy.escalation_levels(task.role)
        level = levels[task.escalation_level] if task.escalation_level < len(levels) else None
        task.escalation_level += 1
        details.update({"niveau": task.escalation_level, "geescaleerd_naar": level})
        notify = [self.task_notification(task, "escalatie", role=level)] if level else []
        self.emit("escalatie", details=details, notify=notify)


def _cause(err: ActivityError | ApplicationError) -> BaseException | None:
    return err.cause if isinstance(err, ActivityError) else err


def _failure_type(err: ActivityError | ApplicationError) -> str | None:
    cause = _cause(err)
    return cause.type if isinstance(cause, ApplicationError) else None
