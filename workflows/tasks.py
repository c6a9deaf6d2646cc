"""Tasks of a case and their deadlines: opening them, waiting for them, and one timer for the
case's nearest reminder, deadline or escalation (the updatable-timer pattern)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case import TaskState
    from domain.phases import TASK_LABEL, TaskType, task_owner
    from domain.roles import Role
    from domain.transition import Notification

from workflows import patches, search
from workflows.runtime import CaseEnded, CaseRuntime

VARIANT_LABEL = {Role.onderzoeker: " (Sectie Interne Onderzoeken)", Role.jurist: " (JuHRA)"}


class CaseTasks(CaseRuntime):
    def __init__(self) -> None:
        super().__init__()
        self._one_timer: bool | None = None  # decided at the first task the run watches
        self._nearest: tuple[tuple[Any, ...], tuple[datetime, str, str] | None] = ((), None)

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
