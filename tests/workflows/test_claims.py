"""Claiming a task from the shared inbox of its role and releasing it (issue 12): any holder of
the role may claim, the claimant or a role that may reassign may release, and every refusal
leaves the history untouched."""

from __future__ import annotations

from temporalio.worker import Replayer

from domain.phases import TaskType
from domain.requests import ClaimTask, CompleteTask, ReassignTask, ReleaseTask
from domain.roles import Role
from sg989.worker import workflow_runner
from tests.conftest import TEST_CONVERTER
from tests.workflows.driver import COMMANDANT, JURIST, CaseDriver, actor
from tests.workflows.test_duties import to_besluit_instelling
from tests.workflows.test_paths import BESCHIKKING
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow

OTHER_JURIST = actor(Role.jurist, sub="jurist-2")
JURIST_ELSEWHERE = actor(Role.jurist, sub="jurist-3", units=["CZSK"])


async def refused(case: CaseDriver, update, request) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    before = await update_events(case)
    result = await rejected(case, update, request)
    assert await update_events(case) == before, "a refused request must not enter history"
    return result


async def review_task(case: CaseDriver) -> str:
    await to_besluit_instelling(case)
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)
    return (await case.open_task(TaskType.review_beschikking)).task_id


async def holder(case: CaseDriver, task_id: str) -> tuple[list[str], str | None]:
    task = (await case.state()).tasks[task_id]
    return task.assignees, task.claimed_by


async def test_a_jurist_claims_and_releases_a_task_no_reassigning_role_needed(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    task_id = await review_task(case)
    assert Role.jurist not in policy.reassign_roles

    kind, message = await refused(
        case, CaseWorkflow.claim_task, ClaimTask(actor=COMMANDANT, task_id=task_id)
    )
    assert kind == "forbidden" and "needs the role jurist" in message
    kind, message = await refused(
        case, CaseWorkflow.claim_task, ClaimTask(actor=JURIST_ELSEWHERE, task_id=task_id)
    )
    assert kind == "forbidden" and "for unit CLAS/11LMB" in message
    kind, message = await refused(
        case, CaseWorkflow.release_task, ReleaseTask(actor=JURIST, task_id=task_id)
    )
    assert kind == "conflict" and "has not been claimed" in message

    result = await case.handle.execute_update(
        CaseWorkflow.claim_task, ClaimTask(actor=JURIST, task_id=task_id)
    )
    assert result.task_id == task_id
    assert await holder(case, task_id) == ([JURIST.sub], JURIST.sub)

    kind, message = await refused(
        case, CaseWorkflow.claim_task, ClaimTask(actor=OTHER_JURIST, task_id=task_id)
    )
    assert kind == "conflict" and "taken up by someone else" in message
    kind, message = await refused(
        case, CaseWorkflow.claim_task, ClaimTask(actor=JURIST, task_id=task_id)
    )
    assert kind == "conflict" and "already yours" in message
    kind, message = await refused(
        case, CaseWorkflow.release_task, ReleaseTask(actor=OTHER_JURIST, task_id=task_id)
    )
    assert kind == "forbidden" and "only the person who claimed" in message

    await case.handle.execute_update(
        CaseWorkflow.release_task, ReleaseTask(actor=JURIST, task_id=task_id)
    )
    assert await holder(case, task_id) == ([], None)

    # Another jurist takes it up; the commandant (who may reassign) gives it back.
    await case.handle.execute_update(
        CaseWorkflow.claim_task, ClaimTask(actor=OTHER_JURIST, task_id=task_id)
    )
    await case.handle.execute_update(
        CaseWorkflow.release_task, ReleaseTask(actor=COMMANDANT, task_id=task_id)
    )
    assert await holder(case, task_id) == ([], None)

    await case.handle.execute_update(
        CaseWorkflow.complete_task,
        CompleteTask(actor=JURIST, task_id=task_id, payload={"akkoord": True}),
    )
    kind, message = await refused(
        case, CaseWorkflow.claim_task, ClaimTask(actor=JURIST, task_id=task_id)
    )
    assert kind == "conflict" and "no longer open" in message

    # The history with claims replays on the current code.
    history = await case.handle.fetch_history()
    replayer = Replayer(
        workflows=[CaseWorkflow], workflow_runner=workflow_runner(), data_converter=TEST_CONVERTER
    )
    replay = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert replay.replay_failure is None


async def test_a_reassigned_task_is_assigned_not_claimed(time_worker, policy, task_queue) -> None:
    """Reassignment hands a task to someone: it is no longer in the role's shared inbox, and
    release (which gives back a claim) does not apply to it."""
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    task_id = await review_task(case)
    await case.handle.execute_update(
        CaseWorkflow.claim_task, ClaimTask(actor=JURIST, task_id=task_id)
    )
    await case.handle.execute_update(
        CaseWorkflow.reassign_task,
        ReassignTask(
            actor=COMMANDANT,
            task_id=task_id,
            assignee=OTHER_JURIST.sub,
            reason="Andere jurist.",
            assignee_roles=[Role.jurist],
            assignee_units=["CLAS"],
        ),
    )
    assert await holder(case, task_id) == ([OTHER_JURIST.sub], None)
    kind, message = await refused(
        case, CaseWorkflow.release_task, ReleaseTask(actor=OTHER_JURIST, task_id=task_id)
    )
    assert kind == "conflict" and "assigned, not claimed" in message
