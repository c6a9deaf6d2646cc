"""Clocks beside the phases: feedback to the melder and schorsing review, 3 months each."""

from __future__ import annotations

from datetime import timedelta

from domain.phases import TaskType
from domain.requests import RecordSchorsing
from tests.workflows.driver import COID, COMMANDANT, CaseDriver
from tests.workflows.test_deadlines import sleep_until
from workflows.case import CaseWorkflow


async def test_feedback_to_melder_runs_three_months_after_ontvangstbevestiging(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")  # the phases move on; the clock stays
    feedback = await case.open_task(TaskType.terugkoppeling_melder)
    assert feedback.basis == "Wbk"
    # 3 months, ending at the end of a working day (never on a weekend or holiday)
    assert timedelta(days=89) <= feedback.due_at - feedback.opened_at <= timedelta(days=96)
    await sleep_until(time_worker, feedback.due_at)
    assert (await case.open_task(TaskType.terugkoppeling_melder)).escalation_level == 1
    await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Melder geïnformeerd."})


async def test_schorsing_review_reopens_while_the_schorsing_stands(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.handle.execute_update(
        CaseWorkflow.record_schorsing,
        RecordSchorsing(actor=COMMANDANT, betrokkene="BTR-1", reason="Ernst van het vermoeden."),
    )
    review = await case.open_task(TaskType.schorsing_review)
    assert review.basis == "AMAR/BARD" and review.betrokkene == "BTR-1"
    await case.complete(
        TaskType.schorsing_review, COMMANDANT, {"besluit": "handhaven", "motivering": "m"}
    )
    second = await case.open_task(TaskType.schorsing_review)
    assert second.task_id != review.task_id  # never open-ended: a new review term
    await case.complete(
        TaskType.schorsing_review, COMMANDANT, {"besluit": "opheffen", "motivering": "m"}
    )
    state = await case.state()
    assert not state.betrokkenen["BTR-1"].geschorst
    assert not [t for t in state.open_tasks() if t.task_type == TaskType.schorsing_review]
