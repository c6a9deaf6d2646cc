"""Updates on one task besides completing it: extending its term and handing it to another."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import rules
    from domain.case import TaskState
    from domain.requests import ExtendTask, ReassignTask, UpdateResult
    from domain.rules.terms import extended_due
    from domain.transition import Notification

from workflows.claims import ClaimUpdates
from workflows.practice import validated

EXTENSION_ENDS_WORKING_DAY = "extension-ends-working-day"


class TaskUpdates(ClaimUpdates):
    @workflow.update
    async def extend_task(self, req: ExtendTask) -> UpdateResult:
        task = self.s.tasks[req.task_id]
        previous = task.due_at
        now = workflow.now()
        task.due_at = req.new_due_at
        if workflow.patched(EXTENSION_ENDS_WORKING_DAY):  # as every term does (issue 7 item 9)
            task.due_at = extended_due(self.s.policy, req.new_due_at)
        task.extensions += 1
        task.escalation_level = 0
        task.reminder_at = self.s.policy.reminder_at(task.opened_at, task.due_at)
        task.reminded = task.reminder_at <= now
        task.timer_version += 1
        notify = [self.task_notification(task, "termijn_verlengd"), *self._parties_told(task)]
        self.emit(
            "termijn_verlengd",
            actor=req.actor,
            details={
                "task_id": task.task_id,
                "van": previous.isoformat(),
                "naar": task.due_at.isoformat(),
                "reden": req.reason,
            },
            notify=notify,
        )
        await self.settled()
        return self._result(task.task_id)

    def _parties_told(self, task: TaskState) -> list[Notification]:
        """Addressable notices to the melder and each betrokkene, where the clock says so."""
        parties = self.s.policy.clock(task.task_type).notify_on_extension
        text = f"De onderzoekstermijn in zaak {self.s.case_id} is verlengd."
        notices = []
        if "melder" in parties and self._melder_reachable():
            notices.append(
                Notification(
                    recipient_role="melder",
                    recipient_unit=task.unit,
                    recipient_sub=f"melder:{self.s.case_id}",
                    kind="termijn_verlengd",
                    text=text,
                )
            )
        if "betrokkene" in parties:
            in_onderzoek = [b.ref for b in self._in_onderzoek()] or list(self.s.betrokkenen)
            notices += [
                Notification(
                    recipient_role="betrokkene",
                    recipient_unit=task.unit,
                    recipient_sub=f"betrokkene:{ref}",
                    kind="termijn_verlengd",
                    text=text,
                )
                for ref in in_onderzoek
            ]
        return notices

    @extend_task.validator
    def _validate_extend(self, req: ExtendTask) -> None:
        validated(lambda: rules.check_extend(self.s, req, workflow.now()))

    @workflow.update
    async def reassign_task(self, req: ReassignTask) -> UpdateResult:
        task = self.s.tasks[req.task_id]
        previous = list(task.assignees)
        task.assignees = [req.assignee]
        task.claimed_by = None  # assigned now, no longer taken up from the inbox
        self.emit(
            "taak_overgedragen",
            actor=req.actor,
            details={
                "task_id": task.task_id,
                "van": previous,
                "naar": req.assignee,
                "reden": req.reason,
            },
            notify=[self.task_notification(task, "taak_overgedragen")],
        )
        await self.settled()
        return self._result(task.task_id)

    @reassign_task.validator
    def _validate_reassign(self, req: ReassignTask) -> None:
        validated(lambda: rules.check_reassign(self.s, req))
