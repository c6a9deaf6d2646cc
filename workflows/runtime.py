"""Workflow plumbing shared by the lifecycle: events, projection, tasks and deadline timers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.case import Actor, CaseState, Outcome, TaskState
    from domain.phases import TASK_LABEL, Phase, TaskType, task_owner
    from domain.roles import Role
    from domain.transition import AuditEventIn, Notification, Transition

from workflows import search

RECORD_TRANSITION = "record_transition"
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

    # -- events and projection -------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        *,
        actor: Actor | None = None,
        details: dict[str, Any] | None = None,
        notify: list[Notification] | None = None,
    ) -> None:
        """Queue one audit event with a snapshot of the case; the projector writes it."""
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
        """Write queued transitions in order, one activity each (idempotent on case and seq)."""
        while True:
            await workflow.wait_condition(lambda: bool(self._queue))
            transition = self._queue[0]
            await workflow.execute_activity(
                RECORD_TRANSITION,
                transition,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RECORD_RETRY,
                summary=search.activity_summary(transition.event.event_type, self.s.phase.value),
            )
            self._queue.pop(0)
            self._projected_seq = transition.seq

    async def settled(self) -> None:
        """Wait until everything this case has decided is in the store (read-your-writes)."""
        await workflow.wait_condition(lambda: not self._queue)

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
        asyncio.create_task(self._watch_deadline(task.task_id))

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
