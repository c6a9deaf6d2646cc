"""How a case closes: the melder hears the outcome first, no case closes while a betrokkene is
geschorst, and a step that waits ends once such a closure is decided."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case import Actor, Closing, Outcome, TaskState
    from domain.phases import TaskType
    from domain.rules.obligations import closing_blockers

from workflows.runtime import CaseEnded
from workflows.tasks import CaseTasks

OUTCOME_FEEDBACK_AT_EVERY_CLOSE = "outcome-feedback-at-every-close"


class CaseClosing(CaseTasks):
    async def _final_obligations(self) -> None:
        """The melder hears the outcome; no closing while a betrokkene is geschorst."""
        if self._melder_reachable():
            uitkomst = self.open_task(TaskType.terugkoppeling_melder, occurrence="uitkomst")
            await self.until_done(uitkomst)
        if closing_blockers(self.s):
            self.emit("sluiting_uitgesteld", details={"redenen": closing_blockers(self.s)})
            await workflow.wait_condition(lambda: not closing_blockers(self.s))

    def close_after_feedback(
        self, outcome: Outcome, reason: str, actor: Actor | None = None
    ) -> TaskState | None:
        """Withdrawal and klacht close the case too, but the melder hears the outcome first
        (issue 7 item 6): the other tasks stop, the outcome feedback opens, then it closes."""
        if not workflow.patched(OUTCOME_FEEDBACK_AT_EVERY_CLOSE) or not self._melder_reachable():
            self.close(outcome, reason, actor=actor)
            return None
        for task in self.s.open_tasks():
            task.status = "cancelled"
            task.timer_version += 1
        self.s.closing = Closing(outcome=outcome, reason=reason, actor=actor)
        self.emit("sluiting_na_terugkoppeling", actor=actor, details={"uitkomst": outcome})
        return self.open_task(TaskType.terugkoppeling_melder, occurrence="uitkomst")

    async def finish_closing(self) -> None:
        """The closure decided by withdrawal or klacht, once the melder has the outcome."""
        closing = self.s.closing
        if closing is None or self.s.status != "open":
            return
        uitkomst = self.open_task(TaskType.terugkoppeling_melder, occurrence="uitkomst")
        await workflow.wait_condition(lambda: not uitkomst.is_open)
        self.s.closing = None
        self.close(closing.outcome, closing.reason, actor=closing.actor)

    async def until_done(self, *tasks: TaskState) -> None:
        """As the runtime's, and a closure waiting for the outcome feedback ends the step."""
        await super().until_done(*tasks)
        if self.s.closing is not None:
            raise CaseEnded()

    def _melder_reachable(self) -> bool:
        melding = self.s.melding
        return not (melding.melder_type == "anoniem" and not melding.has_contact)
