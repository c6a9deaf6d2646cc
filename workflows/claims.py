"""Claiming a task from the shared inbox of its role, and releasing it again (issue 12)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.requests import ClaimTask, ReleaseTask, UpdateResult
    from domain.rules.claims import check_claim, check_release

from workflows.practice import PracticeUpdates, validated

# Marks the histories whose cases know claiming: a worker without these handlers must not
# pick such a history up (it would fail on the unknown Update), and cases started before the
# change replay untouched: nothing they did goes through this code.
TASK_CLAIMS = "task-claims"


class ClaimUpdates(PracticeUpdates):
    @workflow.update
    async def claim_task(self, req: ClaimTask) -> UpdateResult:
        workflow.patched(TASK_CLAIMS)
        task = self.s.tasks[req.task_id]
        task.assignees = [req.actor.sub]
        task.claimed_by = req.actor.sub
        self.emit(
            "taak_opgepakt",
            actor=req.actor,
            details={"task_id": task.task_id, "task_type": task.task_type.value},
        )
        await self.settled()
        return self._result(task.task_id)

    @claim_task.validator
    def _validate_claim(self, req: ClaimTask) -> None:
        validated(lambda: check_claim(self.s, req))

    @workflow.update
    async def release_task(self, req: ReleaseTask) -> UpdateResult:
        workflow.patched(TASK_CLAIMS)
        task = self.s.tasks[req.task_id]
        released = task.claimed_by
        task.assignees = []
        task.claimed_by = None
        self.emit(
            "taak_vrijgegeven",
            actor=req.actor,
            details={
                "task_id": task.task_id,
                "task_type": task.task_type.value,
                "door_zelf": released == req.actor.sub,
            },
        )
        await self.settled()
        return self._result(task.task_id)

    @release_task.validator
    def _validate_release(self, req: ReleaseTask) -> None:
        validated(lambda: check_release(self.s, req))
