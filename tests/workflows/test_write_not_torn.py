"""A store write that Temporal stops waiting for still runs to its end.

Temporal cancels a local activity's attempt when its start-to-close timeout passes. It also
cancels one, wrongly, when the timer of an earlier attempt fires (temporalio/sdk-rust#1454:
every retry leaves its old timer running). For a function run in a thread, the SDK then
raises CancelledError in that thread, at whatever line it has reached. A store write can be
a group commit's leader, which writes other cases' steps too and hands them back under a
lock, so the store activities opt out: the write finishes, and the retry finds its
(case, seq) recorded."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import activities.record
from activities.record import StoreActivities
from domain.transition import RECORD_STEP, CaseStep
from store.models import AuditEvent
from tests.workflows.test_write_failures import a_step

ATTEMPT_TIMEOUT = timedelta(seconds=0.5)


@workflow.defn(name="ImpatientWrite", sandboxed=False)
class ImpatientWrite:
    """Writes one step as a case does, but gives each attempt half a second."""

    @workflow.run
    async def run(self, step: CaseStep) -> bool:
        return await workflow.execute_local_activity(
            RECORD_STEP,
            step,
            result_type=bool,
            start_to_close_timeout=ATTEMPT_TIMEOUT,
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100)),
        )


async def test_a_write_whose_attempt_timed_out_still_runs_to_its_end(
    dev_env: WorkflowEnvironment, engine: Engine, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    write_step = activities.record.write_step

    def slow_first_write(session: Session, step: CaseStep, prepared: Any) -> Any:
        calls.append("started")
        if len(calls) == 1:
            time.sleep(2 * ATTEMPT_TIMEOUT.total_seconds())  # outlives its attempt
        outcome = write_step(session, step, prepared)
        calls.append("applied" if outcome.applied else "already recorded")
        return outcome

    monkeypatch.setattr(activities.record, "write_step", slow_first_write)
    store = StoreActivities(engine)
    step = a_step(case_id=f"ZK-T-{uuid.uuid4().hex[:8]}")
    async with Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[ImpatientWrite],
        activities=[store.record_step],
        activity_executor=ThreadPoolExecutor(max_workers=4),
    ):
        applied = await dev_env.client.execute_workflow(
            ImpatientWrite.run, step, id=f"impatient-{uuid.uuid4().hex[:8]}", task_queue=task_queue
        )

    # The timed-out attempt committed; the one after it found the step there.
    assert calls[:4] == ["started", "applied", "started", "already recorded"]
    assert applied is False
    with Session(engine) as session:
        stored = session.exec(
            select(func.count()).where(col(AuditEvent.case_id) == step.case_id)
        ).one()
    assert stored == len(step.events)
