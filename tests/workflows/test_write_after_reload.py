"""A write a lost worker left unfinished is written whole by the worker that loads the case.

A store write is a local activity. When it runs longer than most of a workflow task's timeout,
the worker completes the task without it (a heartbeat) and the write is still in flight. If that
worker is lost then, the next worker replays the case, reaches the write while replaying and,
finding no result in the history, runs it for real. Replaying works out no rows, so that write
must not be recorded as it is: the store says so, and the case sends the step again with every row.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.policy import DeadlinePolicy
from domain.requests import StartCase
from sg989.worker import build_worker
from store.models import AuditEvent, Case, Task
from tests.conftest import TEST_KEYS
from tests.workflows.driver import COMMANDANT, CaseDriver, melding
from tests.workflows.test_replay import replayer
from workflows.case import CaseWorkflow

# Guards against a hang only; never a measure of speed.
HANG = 60


async def _heartbeat_seen(handle: WorkflowHandle) -> bool:
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            return True
    return False


async def _start_on_a_worker_that_dies_writing(
    client: Client, policy: DeadlinePolicy, task_queue: str
) -> WorkflowHandle:
    """Starts a case on a worker process whose store write never finishes; once the workflow
    task was completed without the write, the process is killed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.workflows.stuck_worker_process"]
        + [client.service_client.config.target_host, task_queue],
        env={**os.environ, "SG989_PAYLOAD_KEYS": TEST_KEYS},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        case_id = f"ZK-T-{uuid.uuid4().hex[:8]}"
        start = StartCase(
            case_id=case_id, melding=melding().facts(), registered_by=COMMANDANT, policy=policy
        )
        handle = await client.start_workflow(
            CaseWorkflow.run,
            start,
            id=case_id,
            task_queue=task_queue,
            task_timeout=timedelta(seconds=2),  # the worker completes it after 80 % of that
        )
        for _ in range(HANG * 10):
            if await _heartbeat_seen(handle):
                return handle
            await asyncio.sleep(0.1)
        raise AssertionError("the workflow task was never completed while the write ran")
    finally:
        process.kill()
        process.wait(timeout=HANG)


async def test_a_write_left_in_flight_by_a_lost_worker_reaches_the_store_whole(
    dev_env: WorkflowEnvironment, engine: Engine, policy: DeadlinePolicy, task_queue: str
) -> None:
    handle = await _start_on_a_worker_that_dies_writing(dev_env.client, policy, task_queue)
    async with build_worker(dev_env.client, engine, task_queue):
        case = CaseDriver(handle)
        await case.intake()  # waits until the case's writes are in the store
        state = await case.state()
    # The step refused and sent again is part of the history; it replays like any other.
    await replayer(CaseWorkflow).replay_workflow(await handle.fetch_history())

    with Session(engine) as session:
        stored = session.get(Case, state.case_id)
        assert stored is not None and stored.phase == state.phase.value
        seqs = session.exec(select(AuditEvent.seq).where(AuditEvent.case_id == state.case_id))
        assert sorted(seqs.all()) == list(range(1, state.seq + 1))
        tasks = session.exec(select(Task).where(Task.case_id == state.case_id)).all()
        assert {t.task_id: t.status for t in tasks} == {
            t.task_id: t.status for t in state.tasks.values()
        }
