"""CaseWorkflow: one SG-989 case from melding to gesloten. Human steps are validated Updates."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import rules
    from domain.case import BetrokkeneState, CaseState, TaskState
    from domain.notifications import melder_notifications
    from domain.payloads import BesluitNaIntrekking, SchorsingReview, parse_payload
    from domain.phases import Phase, TaskType
    from domain.requests import (
        CompleteTask,
        RecordSchorsing,
        ReopenCase,
        StartCase,
        UpdateResult,
        WithdrawMelding,
    )
    from domain.roles import is_kmar

# Our own workflow modules are sandboxed like this one: only domain passes through.
from workflows import patches
from workflows.practice import validated
from workflows.runtime import CaseEnded
from workflows.task_updates import TaskUpdates

WITHDRAWAL_KEEPS_OBLIGATIONS = "withdrawal-keeps-obligations"


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow(TaskUpdates):
    @workflow.init
    def __init__(self, start: StartCase) -> None:
        # State exists before run(): an Update may arrive in the very first workflow task.
        super().__init__()
        self.s = start.resume or self._new_state(start)
        if start.resume is not None:
            self.resumed_from(start.resume)

    @workflow.run
    async def run(self, start: StartCase) -> UpdateResult:
        projector = asyncio.create_task(self.project_forever())
        if start.resume is None:
            self._register()
        else:
            if start.reopen is not None and self.s.status == "gesloten":
                self._reopen(start.reopen)  # runs reopened before the reopen Update existed
            if start.reopen_by_update:  # the Update arrives with the start, ahead of run()
                await workflow.wait_condition(
                    lambda: self.s.status == "open" or workflow.all_handlers_finished()
                )
            for task in self.s.open_tasks():
                self.watch(task)
        with contextlib.suppress(CaseEnded):  # withdrawn: the update handler closed the case
            await self._run_phases(start)
        await self.finish_closing()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.settled()
        projector.cancel()
        # Where it ended, not the whole case: the final state is the `state` query's (a closed
        # run answers queries), so the last event does not repeat every task and payload.
        return self._result()

    async def _run_phases(self, start: StartCase) -> None:
        steps = self.steps()
        while self.s.status == "open" and self.s.closing is None:
            if self._history_too_long(start):
                await self._continue_as_new(start)
            next_phase = await steps[self.s.phase]()
            if self.s.status == "open" and self.s.closing is None:
                self.enter(next_phase)

    @staticmethod
    def _history_too_long(start: StartCase) -> bool:
        info = workflow.info()
        limit = start.history_event_limit
        return info.is_continue_as_new_suggested() or (
            limit > 0 and info.get_current_history_length() > limit
        )

    async def _continue_as_new(self, start: StartCase) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.settled()
        self.s.continued += 1
        workflow.continue_as_new(start.model_copy(update={"resume": self.s}))

    def _new_state(self, start: StartCase) -> CaseState:
        now = workflow.now()
        variant: Literal["standaard", "kmar"] = (
            "kmar" if is_kmar(start.melding.unit) else "standaard"
        )
        return CaseState(
            case_id=start.case_id,
            melding=start.melding,
            registered_by=start.registered_by,
            policy=start.policy.for_variant(variant),
            variant=variant,
            registered_at=now,
            phase_entered_at={Phase.intake.value: now},
            betrokkenen={ref: BetrokkeneState(ref=ref) for ref in start.melding.betrokkenen},
        )

    def _reopen(self, req: ReopenCase) -> None:
        """A new run of a closed case: the state and the timeline (seq) carry on."""
        self.s.status = "open"
        self.s.outcome = None
        self.s.close_reason = None
        self.emit(
            "zaak_heropend",
            actor=req.actor,
            details={"grond": req.grond, "reden": req.reason, "naar": req.phase.value},
        )
        self.enter(req.phase, reason=req.reason)

    def _register(self) -> None:
        melding = self.s.melding
        self.emit(
            "melding_geregistreerd",
            actor=self.s.registered_by,
            details={
                "unit": melding.unit,
                "category": melding.category,
                "channel": melding.channel,
                "melder_type": melding.melder_type,
                "betrokkenen": melding.betrokkenen,
                "variant": self.s.variant,
                "policy_version": self.s.policy.version,
            },
        )

    # -- queries ---------------------------------------------------------------------------

    @workflow.query
    def state(self) -> CaseState:
        return self.s

    @workflow.query
    def open_tasks(self) -> list[TaskState]:
        return sorted(self.s.open_tasks(), key=lambda task: task.due_at)

    # -- updates ---------------------------------------------------------------------------

    @workflow.update
    async def complete_task(self, req: CompleteTask) -> UpdateResult:
        task = self.s.tasks[req.task_id]
        task.status = "done"
        task.completed_at = workflow.now()
        task.completed_by = req.actor.sub
        # The validated payload with its defaults: the lifecycle reads fields the caller may omit.
        task.payload = parse_payload(task.task_type, req.payload).model_dump(mode="json")
        task.timer_version += 1
        parsed = parse_payload(task.task_type, task.payload)
        on_time = task.completed_at <= task.due_at
        self.emit(
            "taak_afgerond",
            actor=req.actor,
            details={
                "task_id": task.task_id,
                "task_type": task.task_type.value,
                "betrokkene": task.betrokkene,
                "op_tijd": on_time,
                "besluit": task.payload,
            },
            notify=melder_notifications(
                self.s.case_id, task.unit, task.task_type, task.payload
            ),  # issue 10: the melder hears of receipt and feedback
        )
        if isinstance(parsed, SchorsingReview):
            self._after_schorsing_review(task.betrokkene, parsed)
        if isinstance(parsed, BesluitNaIntrekking) and not parsed.voortzetten:
            self.close_after_feedback("ingetrokken", parsed.motivering, actor=req.actor)
        await self.settled()
        return self._result(task.task_id)

    @complete_task.validator
    def _validate_complete(self, req: CompleteTask) -> None:
        validated(lambda: rules.check_complete(self.s, req, workflow.now()))

    @workflow.update
    async def reopen(self, req: ReopenCase) -> UpdateResult:
        """A closed case reopens in a new run (update-with-start); the timeline carries on."""
        self._reopen(req)
        await self.settled()
        return self._result()

    @reopen.validator
    def _validate_reopen(self, req: ReopenCase) -> None:
        validated(lambda: rules.check_reopen(self.s, req))

    @workflow.update
    async def withdraw_melding(self, req: WithdrawMelding) -> UpdateResult:
        if not patches.patched(WITHDRAWAL_KEEPS_OBLIGATIONS):
            self.emit("melding_ingetrokken", actor=req.actor, details={"reden": req.reason})
            self.close("ingetrokken", req.reason, actor=req.actor)
            await self.settled()
            return self._result()
        effect = rules.withdrawal_effect(self.s)
        self.s.withdrawn_at = workflow.now()
        self.emit(
            "melding_ingetrokken",
            actor=req.actor,
            details={"reden": req.reason, "gevolg": effect},
        )
        task_id = None
        if effect == "sluiten":
            uitkomst = self.close_after_feedback("ingetrokken", req.reason, actor=req.actor)
            task_id = uitkomst.task_id if uitkomst else None
        elif effect == "bg_beslist":
            task_id = self.open_task(TaskType.besluit_na_intrekking).task_id
        await self.settled()
        return self._result(task_id)

    @withdraw_melding.validator
    def _validate_withdraw(self, req: WithdrawMelding) -> None:
        validated(lambda: rules.check_withdraw(self.s, req))

    @workflow.update
    async def record_schorsing(self, req: RecordSchorsing) -> UpdateResult:
        self.s.betrokkenen[req.betrokkene].geschorst = True
        self.emit(
            "schorsing_geregistreerd",
            actor=req.actor,
            details={"betrokkene": req.betrokkene, "reden": req.reason},
        )
        task = self.open_task(TaskType.schorsing_review, betrokkene=req.betrokkene)
        await self.settled()
        return self._result(task.task_id)

    @record_schorsing.validator
    def _validate_schorsing(self, req: RecordSchorsing) -> None:
        validated(lambda: rules.check_schorsing(self.s, req))

    def _after_schorsing_review(self, ref: str | None, review: SchorsingReview) -> None:
        if ref is None:
            return
        if review.besluit == "opheffen":
            self.s.betrokkenen[ref].geschorst = False
            return
        self.open_task(TaskType.schorsing_review, betrokkene=ref)
