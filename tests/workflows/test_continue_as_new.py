"""A long case continues as new between phases and keeps its tasks, timers and audit chain."""

from __future__ import annotations

import asyncio
import uuid

from sqlmodel import Session
from temporalio.client import WorkflowExecutionStatus

from domain.phases import TaskType
from domain.requests import StartCase
from store.audit import verify_chain
from tests.workflows.driver import COMMANDANT, CaseDriver, melding
from tests.workflows.test_deadlines import sleep_until
from tests.workflows.test_paths import drive_investigation
from workflows.case import CaseWorkflow


async def test_case_survives_continue_as_new(time_worker, policy, task_queue, engine) -> None:
    case_id = f"ZK-T-{uuid.uuid4().hex[:8]}"
    start = StartCase(
        case_id=case_id,
        melding=melding(),
        registered_by=COMMANDANT,
        policy=policy,
        history_event_limit=20,  # one write per step keeps histories short
    )
    handle = await time_worker.client.start_workflow(
        CaseWorkflow.run, start, id=case_id, task_queue=task_queue
    )
    case = CaseDriver(time_worker.client.get_workflow_handle(case_id))
    await drive_investigation(case)
    state = await case.state()

    assert state.continued >= 2
    assert (await case.open_task(TaskType.schending_beoordeling)).is_open
    first_run = await time_worker.client.get_workflow_handle(
        case_id, run_id=handle.result_run_id
    ).describe()
    assert first_run.status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    # After continue-as-new the new run opens its next task on its own: wait for the store.
    for _ in range(50):
        with Session(engine) as session:
            chain = verify_chain(session, case_id)
        state = await case.state()
        if chain.events == state.seq:
            break
        await asyncio.sleep(0.1)
    assert chain.ok and chain.events == state.seq

    # The feedback clock was opened three runs ago; the current run still watches its deadline.
    feedback = await case.open_task(TaskType.terugkoppeling_melder)
    assert feedback.opened_at < state.phase_entered_at["beoordeling"]
    await sleep_until(time_worker, feedback.due_at)
    assert (await case.open_task(TaskType.terugkoppeling_melder)).escalation_level == 1
