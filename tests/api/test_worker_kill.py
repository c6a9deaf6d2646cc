"""A worker process SIGKILLed in the middle of a burst of task completions loses nothing and
doubles nothing: a replacement worker finishes every Update, and the store holds each
completion exactly once, on a gap-free, sealed timeline that reaches the workflow's own count.

The core of `python -m benchmarks.failover`, as a test: no timing is asserted, only outcomes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from domain.policy import DeadlinePolicy
from domain.requests import CompleteTask, UpdateResult
from store.audit import sealed_event, verify_chain
from store.audit_key import audit_key, same
from store.models import AuditEvent, OutboxNotification, ReplacedEvent, Task
from tests.conftest import TEST_KEYS
from tests.workflows.driver import COID, CaseDriver
from workflows.case import CaseWorkflow

CASES = 10
# The two intake tasks every case opens first, with their payloads.
INTAKE = {
    "T01": {"verzonden_op": "2026-11-30", "kanaal": "email"},  # ontvangstbevestiging
    "T02": {"samenvatting": "Melder gesproken."},  # intake_contact
}
# Guards against a hang only (a lost Update would wait forever); never a measure of speed.
HANG = 240


class Workers:
    """Worker processes of the test's task queue (tests/api/worker_process.py)."""

    def __init__(self, env: WorkflowEnvironment, engine: Engine, task_queue: str) -> None:
        self.address = env.client.service_client.config.target_host
        self.url = engine.url.render_as_string(hide_password=False)
        self.task_queue = task_queue
        self.processes: list[subprocess.Popen[str]] = []

    def start(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.api.worker_process", self.address, self.task_queue]
            + [self.url],
            env={**os.environ, "SG989_PAYLOAD_KEYS": TEST_KEYS},
            stdout=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


@pytest.fixture
def workers(dev_env: WorkflowEnvironment, engine: Engine, task_queue: str) -> Iterator[Workers]:
    running = Workers(dev_env, engine, task_queue)
    yield running
    running.stop_all()


async def _complete(case: CaseDriver, suffix: str) -> UpdateResult:
    request = CompleteTask(actor=COID, task_id=f"{case.case_id}-{suffix}", payload=INTAKE[suffix])
    return await case.handle.execute_update(CaseWorkflow.complete_task, request)


async def test_a_worker_killed_in_a_burst_loses_nothing_and_doubles_nothing(
    dev_env: WorkflowEnvironment,
    workers: Workers,
    engine: Engine,
    task_queue: str,
    policy: DeadlinePolicy,
) -> None:
    first = workers.start()
    client = dev_env.client
    cases = [await CaseDriver.start(client, policy, task_queue, store=engine) for _ in range(CASES)]
    await asyncio.gather(*(case.state() for case in cases))  # each one cached on that worker

    burst = [asyncio.create_task(_complete(c, suffix)) for c in cases for suffix in INTAKE]
    await asyncio.wait(burst, return_when=asyncio.FIRST_COMPLETED)
    first.send_signal(signal.SIGKILL)
    first.wait()
    in_flight = sum(not update.done() for update in burst)
    workers.start()  # as a supervisor (compose `restart: unless-stopped`) would
    results = await asyncio.wait_for(asyncio.gather(*burst), HANG)

    assert in_flight > 0, "the burst was over before the worker was killed"
    assert len(results) == 2 * CASES
    with Session(engine) as session:
        for case in cases:
            events = session.exec(
                select(AuditEvent)
                .where(AuditEvent.case_id == case.case_id)
                .order_by(col(AuditEvent.seq))
            ).all()
            assert [e.seq for e in events] == list(range(1, len(events) + 1)), case.case_id
            completed = sorted(
                e.details["task_id"] for e in events if e.event_type == "taak_afgerond"
            )
            assert completed == [f"{case.case_id}-{suffix}" for suffix in INTAKE], completed
            tasks = session.exec(select(Task).where(Task.case_id == case.case_id)).all()
            done = sorted(t.task_id for t in tasks if t.status == "done")
            assert done == completed
            notes = session.exec(
                select(OutboxNotification.seq, OutboxNotification.idx).where(
                    OutboxNotification.case_id == case.case_id
                )
            ).all()
            assert len(notes) == len(set(notes))
            state = await case.state()
            verdict = verify_chain(session, case.case_id, workflow_seq=state.seq)
            assert verdict.ok, verdict.reason
            assert verdict.events == state.seq
            # A step the dead worker committed that history never accepted (a phantom) was
            # replaced, its rows with it: the store holds the workflow's tasks, no others.
            assert {t.task_id: t.status for t in tasks} == {
                task_id: task.status for task_id, task in state.tasks.items()
            }
            assert all(seq <= state.seq for seq, _ in notes)
            for trace in session.exec(
                select(ReplacedEvent).where(ReplacedEvent.case_id == case.case_id)
            ):
                assert same(
                    trace.mac, sealed_event(audit_key(), case.case_id, trace.seq, trace.hash)
                )
