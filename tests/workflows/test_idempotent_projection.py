"""A retried store write records its events once, even when the first attempt committed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, func, select
from temporalio import activity
from temporalio.worker import Worker

from activities.record import StoreActivities
from domain.transition import CaseStep
from sg989.worker import workflow_runner
from store.audit import verify_chain
from store.models import AuditEvent, Task
from tests.workflows.driver import CaseDriver
from workflows.case import CaseWorkflow


class CommitThenFail:
    """Writes the step, then fails the first attempt as if the worker lost the reply."""

    def __init__(self, store: StoreActivities) -> None:
        self.store = store
        self.attempts: list[tuple[int, int]] = []

    @activity.defn(name="record_step")
    def record_step(self, step: CaseStep) -> bool:
        self.store.record_step(step)
        attempt = activity.info().attempt
        self.attempts.append((step.first_seq, attempt))
        if attempt == 1:
            raise RuntimeError("connection lost after commit")
        return True


async def test_retried_transition_is_written_once(time_env, engine, policy, task_queue) -> None:
    flaky = CommitThenFail(StoreActivities(engine))
    async with Worker(
        time_env.client,
        task_queue=task_queue,
        workflows=[CaseWorkflow],
        activities=[flaky.record_step],
        activity_executor=ThreadPoolExecutor(max_workers=2),
        workflow_runner=workflow_runner(),
    ):
        case = await CaseDriver.start(time_env.client, policy, task_queue)
        await case.intake()
        state = await case.state()

    assert (1, 2) in flaky.attempts  # every step really was retried
    with Session(engine) as session:
        events = session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case.case_id)
        ).one()
        tasks = session.exec(select(func.count()).select_from(Task)).one()
        assert events == state.seq
        assert tasks == len(state.tasks)
        assert verify_chain(session, case.case_id).ok
