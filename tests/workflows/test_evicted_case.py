"""A case the worker evicted and loads again still writes every change to the store.

Replaying a case does not work out the rows of the steps it replays (their writes are not run
again); the first step it writes live carries every row. With a cache of one case, two cases
taking Updates in turn are replayed before every Update.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select
from temporalio.worker import Worker

from activities.record import StoreActivities
from sg989.worker import workflow_runner
from store.models import Task
from tests.workflows.driver import COID, CaseDriver
from workflows.case import CaseWorkflow


async def test_cases_replayed_before_every_update_keep_the_store_whole(
    time_env, engine, policy, task_queue
) -> None:
    store = StoreActivities(engine)
    async with Worker(
        time_env.client,
        task_queue=task_queue,
        workflows=[CaseWorkflow],
        activities=[store.record_step],
        activity_executor=ThreadPoolExecutor(max_workers=2),
        workflow_runner=workflow_runner(),
        max_cached_workflows=1,
    ):
        cases = [await CaseDriver.start(time_env.client, policy, task_queue) for _ in range(2)]
        for case in cases:  # each Update loads its case again: the other one was cached
            await case.intake()
        for case in cases:
            await case.choose("lijn")
        states = [await case.state() for case in cases]

    with Session(engine) as session:
        for state in states:
            stored = session.exec(select(Task).where(Task.case_id == state.case_id)).all()
            assert {t.task_id: t.status for t in stored} == {
                t.task_id: t.status for t in state.tasks.values()
            }
            assert {t.task_id: t.assignees for t in stored} == {
                t.task_id: t.assignees for t in state.tasks.values()
            }
            assert len(state.tasks) >= 4  # receipt, contact, choice and what followed
            assert any(t.status == "done" and t.completed_by == COID.sub for t in stored)
