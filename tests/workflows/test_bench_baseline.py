"""The `--only gap` ladder's third rung carries what a task completion has Temporal carry out.

If the bare workflow stopped moving its timer or upserting, the rung would cost the same as
"bare + local write" and the benchmark would bill Temporal's price for them to sg989."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

import sg989.worker
from activities.record import StoreActivities
from benchmarks.bare import BareWrite, BenchBare, CaseCommands, RowWriter, commands_of
from benchmarks.drivers import Result
from benchmarks.gap import CASE_COMMANDS, ONE_ROW, budget_line, case_worker
from domain.phases import Phase
from sg989.policy_files import load_policy
from tests.workflows.driver import CaseDriver
from tests.workflows.test_paths import drive_to_afdoening
from workflows.search import PHASE


async def test_the_bare_rung_moves_its_timer_and_upserts_as_often_as_asked(
    dev_env: WorkflowEnvironment, engine: Engine, task_queue: str
) -> None:
    worker = Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[BenchBare],
        activities=[RowWriter(engine).write_row],
        activity_executor=ThreadPoolExecutor(max_workers=2),
    )
    async with worker:
        handle = await dev_env.client.start_workflow(
            BenchBare.run,
            args=[BareWrite.local, CaseCommands(timers=1.0, upserts=0.5)],
            id=f"bare-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )
        for _ in range(4):
            await handle.execute_update(BenchBare.bump)

        assert await commands_of(handle) == CaseCommands(timers=1.0, upserts=0.5)
        described = await handle.describe()
        assert (
            described.typed_search_attributes.get(PHASE) == "stap-4"
        )  # on every second Update: the 2nd and the 4th
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM bench_row")).scalar_one()
        assert rows == 4
        await handle.signal(BenchBare.finish)
        assert await handle.result() == 4


async def test_a_case_s_completions_are_counted_from_its_history(
    dev_worker: WorkflowEnvironment, task_queue: str
) -> None:
    case = await CaseDriver.start(dev_worker.client, load_policy(), task_queue)
    await drive_to_afdoening(case, ["ontslag"])

    commands = await commands_of(case.handle)

    assert commands.timers > 0.5  # each completion opens a task with its own deadline
    assert 0 < commands.upserts < 1  # the phase changes on some completions, not all


async def test_the_one_row_rung_runs_the_case_but_stores_one_row_per_step(
    dev_env: WorkflowEnvironment, engine: Engine, task_queue: str
) -> None:
    """If the rung stored the case after all, `--only gap` would bill the step write to the
    workflow's own work; if it ran sandboxed, the sandbox's cost too."""
    async with case_worker(dev_env.client, engine, ONE_ROW, task_queue):
        case = await CaseDriver.start(dev_env.client, load_policy(), task_queue)
        await case.intake()  # two completions

        state = await case.state()
    assert state.phase != Phase.intake  # the case ran as ever: the intake is behind it
    with engine.connect() as connection:
        steps = connection.execute(
            text("SELECT count(*) FROM bench_row WHERE workflow_id = :c"), {"c": case.case_id}
        ).scalar_one()
        events = connection.execute(text("SELECT count(*) FROM auditevent")).scalar_one()
    assert steps >= 3  # registration, then a step per completion
    assert events == 0
    assert sg989.worker.workflow_runner is not UnsandboxedWorkflowRunner  # put back after
    assert sg989.worker.StoreActivities is StoreActivities


def test_the_budget_line_says_what_half_of_bare_leaves_for_sg989() -> None:
    """Bare at 5 ms per Update allows 10 ms; the case's own commands take 8 of them."""

    def rung(name: str, ms_per_update: float) -> Result:
        return Result(name, 1, [0.0] * 100, ms_per_update * 100 / 1000, 0.0)

    line = budget_line(rung("bare", 5), rung(CASE_COMMANDS, 8), rung("sg989", 12.5))

    assert "leaves sg989's own work 2.0 ms per Update" in line
    assert "it takes 4.5 ms" in line
