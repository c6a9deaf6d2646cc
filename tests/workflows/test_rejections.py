"""Validators refuse wrong role, wrong unit, stale task and bad payload before history sees it."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from domain.phases import TaskType
from domain.requests import CompleteTask, RecordSchorsing, WithdrawMelding
from domain.roles import Role
from tests.workflows.driver import COID, COMMANDANT, CaseDriver, actor
from workflows.case import CaseWorkflow

BEVESTIGING = {"verzonden_op": "2026-11-30", "kanaal": "email"}


async def rejected(case: CaseDriver, update: Any, request: Any) -> tuple[str, str]:
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await case.handle.execute_update(update, request)
    cause = info.value.cause
    return cause.type, cause.message  # type: ignore[union-attr]


async def update_events(case: CaseDriver) -> int:
    history = await case.handle.fetch_history()
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    return sum(1 for e in history.events if e.event_type == accepted)


@pytest.fixture
async def case(time_worker, policy, task_queue) -> CaseDriver:  # type: ignore[no-untyped-def]
    return await CaseDriver.start(time_worker.client, policy, task_queue)


async def complete(case: CaseDriver, by, payload, task_id: str | None = None) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    task = await case.open_task(TaskType.ontvangstbevestiging)
    request = CompleteTask(actor=by, task_id=task_id or task.task_id, payload=payload)
    return await rejected(case, CaseWorkflow.complete_task, request)


async def test_wrong_role_is_forbidden_and_leaves_no_trace(case: CaseDriver) -> None:
    kind, message = await complete(case, COMMANDANT, BEVESTIGING)
    assert kind == "forbidden" and "needs the role coid_adviseur" in message
    assert await update_events(case) == 0


async def test_wrong_unit_is_forbidden(case: CaseDriver) -> None:
    marine_coid = actor(Role.coid_adviseur, units=["CZSK"])
    kind, message = await complete(case, marine_coid, BEVESTIGING)
    assert kind == "forbidden" and "outside your units (CZSK)" in message


async def test_stale_task_is_a_conflict(case: CaseDriver) -> None:
    task = await case.open_task(TaskType.ontvangstbevestiging)
    await case.complete(TaskType.ontvangstbevestiging, COID, BEVESTIGING)
    kind, message = await complete_by_id(case, task.task_id)
    assert kind == "conflict" and "no longer open" in message
    assert await update_events(case) == 1  # only the accepted completion


async def complete_by_id(case: CaseDriver, task_id: str) -> tuple[str, str]:
    request = CompleteTask(actor=COID, task_id=task_id, payload=BEVESTIGING)
    return await rejected(case, CaseWorkflow.complete_task, request)


async def test_unknown_task_is_not_found(case: CaseDriver) -> None:
    kind, _ = await complete_by_id(case, f"{case.case_id}-T99")
    assert kind == "not_found"


async def test_invalid_payload_names_the_field(case: CaseDriver) -> None:
    kind, message = await complete(case, COID, {"verzonden_op": "gisteren", "kanaal": "duif"})
    assert kind == "invalid"
    assert "verzonden_op" in message and "kanaal" in message
    assert await update_events(case) == 0


async def test_investigation_cannot_start_against_negative_weging(case: CaseDriver) -> None:
    state = await case.state()
    state.weging = "geen_onderzoek"
    from domain.errors import CaseRuleViolation
    from workflows import rules

    task_id = next(iter(state.tasks))
    state.tasks[task_id].task_type = TaskType.besluit_instelling
    state.tasks[task_id].role = Role.commandant
    payload = {
        "besluit": "instellen",
        "onderzoeksopdracht": "o",
        "onderzoekers": ["ond-1"],
        "betrokkenen": ["BTR-1"],
    }
    with pytest.raises(CaseRuleViolation, match="weging advised 'geen_onderzoek'"):
        rules.check_complete(
            state, CompleteTask(actor=COMMANDANT, task_id=task_id, payload=payload)
        )


async def test_withdrawal_needs_an_authorised_role(case: CaseDriver) -> None:
    onderzoeker = actor(Role.onderzoeker)
    kind, message = await rejected(
        case, CaseWorkflow.withdraw_melding, WithdrawMelding(actor=onderzoeker, reason="r")
    )
    assert kind == "forbidden" and "withdrawing a melding" in message


async def test_closed_case_refuses_every_change(case: CaseDriver) -> None:
    await case.handle.execute_update(
        CaseWorkflow.withdraw_melding,
        WithdrawMelding(actor=COID, reason="Ingetrokken door melder."),
    )
    await case.give_outcome()
    await case.handle.result()
    with pytest.raises(RPCError):  # a closed case takes no update at all
        await case.handle.execute_update(
            CaseWorkflow.record_schorsing,
            RecordSchorsing(actor=COMMANDANT, betrokkene="BTR-1", reason="r"),
        )


async def test_update_in_the_first_workflow_task_is_validated(
    dev_worker, policy, task_queue
) -> None:
    """Update-with-start delivers the update before run() ever executes."""
    from temporalio.client import WithStartWorkflowOperation
    from temporalio.common import WorkflowIDConflictPolicy

    from domain.requests import StartCase
    from tests.workflows.driver import melding

    case_id = f"ZK-T-first-{task_queue}"
    start = WithStartWorkflowOperation(
        CaseWorkflow.run,
        StartCase(case_id=case_id, melding=melding(), registered_by=COMMANDANT, policy=policy),
        id=case_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await dev_worker.client.execute_update_with_start_workflow(
            CaseWorkflow.withdraw_melding,
            WithdrawMelding(actor=actor(Role.onderzoeker), reason="r"),
            start_workflow_operation=start,
        )
    assert info.value.cause.type == "forbidden"  # type: ignore[union-attr]
