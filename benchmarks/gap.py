"""Where the gap between a task completion and a bare Update is, at concurrency 1:
`python -m benchmarks.bench_writes --only gap [--rounds N] [--repeats R]`.

Four kinds of Update, through the workflow client on one dev server, taking turns in every
repeat so that a load change hits them alike, each one rung more than the one before:
- bare:                 the Update of `--only throughput`, which only bumps a counter;
- bare + local write:   the same Update awaiting a local activity that inserts one row in the
                        store (the cheapest way to have an Update's change in the store before
                        it answers: the floor for any design that does);
- sg989 unsandboxed:    task completions (the script of `--only throughput`) on a worker whose
                        case workflow runs outside the sandbox (Temporal's
                        ``UnsandboxedWorkflowRunner``). A diagnostic, not a way to run: sg989
                        always runs its workflows in the sandbox;
- sg989:                the same completions on the worker as shipped.
Prints each line, then what each rung adds to the p50 and the CPU per Update. What one
completion's milliseconds are spent on: `--only phases`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

import sg989.worker
from benchmarks import bench_writes as bw

CASE_QUEUES = {"sg989 unsandboxed": "bench-unsandboxed", "sg989": "bench-sandboxed"}


@workflow.defn(name="BenchBareLocalWrite", sandboxed=False)
class BenchBareLocalWrite:
    def __init__(self) -> None:
        self.n = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.n

    @workflow.update
    async def bump(self) -> int:
        self.n += 1
        await workflow.execute_local_activity(
            "bench_write_row",
            bw.Row(workflow.info().workflow_id, self.n),
            start_to_close_timeout=timedelta(seconds=30),
        )
        return self.n

    @workflow.signal
    def finish(self) -> None:
        self.done = True


def local_write_client(client: Client, updates: int) -> bw.Driver:
    async def prepare() -> WorkflowHandle[Any, Any]:
        return await client.start_workflow(
            BenchBareLocalWrite.run, id=f"local-{uuid.uuid4().hex[:8]}", task_queue=bw.BARE_QUEUE
        )

    async def run(handle: WorkflowHandle[Any, Any]) -> list[float]:
        bump = BenchBareLocalWrite.bump
        return [await bw.timed(handle.execute_update(bump)) for _ in range(updates)]

    async def finish(handle: WorkflowHandle[Any, Any]) -> None:
        await handle.signal(BenchBareLocalWrite.finish)

    return bw.Driver(prepare, run, finish)


@contextmanager
def _unsandboxed() -> Iterator[None]:
    shipped = sg989.worker.workflow_runner
    sg989.worker.workflow_runner = UnsandboxedWorkflowRunner  # type: ignore[assignment]
    try:
        yield
    finally:
        sg989.worker.workflow_runner = shipped


def _case_worker(client: Client, engine: Engine, name: str) -> Worker:
    if name == "sg989":
        return sg989.worker.build_worker(client, engine, CASE_QUEUES[name])
    with _unsandboxed():
        return sg989.worker.build_worker(client, engine, CASE_QUEUES[name])


async def gap(client: Client, engine: Engine, rounds: int, repeats: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE IF NOT EXISTS bench_row (workflow_id TEXT, n INTEGER, at TEXT)")
        )
    writer = bw.RowWriter(engine)
    bare = Worker(
        client,
        task_queue=bw.BARE_QUEUE,
        workflows=[bw.BenchBare, BenchBareLocalWrite],
        activities=[writer.write_row],
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )
    cases = {name: _case_worker(client, engine, name) for name in CASE_QUEUES}
    async with bare, cases["sg989 unsandboxed"], cases["sg989"]:
        scripts = {}
        for name, queue in CASE_QUEUES.items():
            bw.CASE_QUEUE = queue  # the drivers read the queue when they start a case
            scripts[name] = await bw.probe_script(client)
            await bw.measure("warm-up", 1, bw.case_client(client, scripts[name], 1))
        updates = rounds * len(scripts["sg989"])
        results: dict[str, list[bw.Result]] = {}
        for _ in range(repeats):
            drivers = {
                "bare": bw.bare_client(client, updates, False),
                "bare + local write": local_write_client(client, updates),
            }
            for name, driver in drivers.items():
                results.setdefault(name, []).append(await bw.measure(name, 1, driver))
            for name, queue in CASE_QUEUES.items():
                bw.CASE_QUEUE = queue
                driver = bw.case_client(client, scripts[name], rounds)
                results.setdefault(name, []).append(await bw.measure(name, 1, driver))
    report({name: bw.Result.sum(runs) for name, runs in results.items()})


def report(summed: dict[str, bw.Result]) -> None:
    print("Updates at concurrency 1, through the workflow client")
    for result in summed.values():
        print(result.line())
    bare = summed["bare"]
    previous = bare
    for name, result in list(summed.items())[1:]:
        cpu = result.cpu / len(result.latencies) - previous.cpu / len(previous.latencies)
        print(
            f"  {name:20} adds {result.pct(50) - previous.pct(50):5.1f} ms to the p50 and "
            f"{cpu * 1000:5.1f} ms of CPU; against bare "
            f"{result.per_second / bare.per_second:.2f}"
        )
        previous = result
