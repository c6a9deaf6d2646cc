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

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

import sg989.worker
from benchmarks import bench_writes as bw

CASE_QUEUES = {"sg989 unsandboxed": "bench-unsandboxed", "sg989": "bench-sandboxed"}


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
        workflows=[bw.BenchBare],
        activities=[writer.write_row],
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )
    cases = {name: _case_worker(client, engine, name) for name in CASE_QUEUES}
    async with bare, cases["sg989 unsandboxed"], cases["sg989"]:
        scripts = {}
        for name, queue in CASE_QUEUES.items():
            scripts[name] = await bw.probe_script(client, queue)
            await bw.measure("warm-up", 1, bw.case_client(client, scripts[name], 1, queue=queue))
        updates = rounds * len(scripts["sg989"])
        results: dict[str, list[bw.Result]] = {}
        for _ in range(repeats):
            drivers = {
                "bare": bw.bare_client(client, updates, bw.BareWrite.none),
                "bare + local write": bw.bare_client(client, updates, bw.BareWrite.local),
            }
            for name, driver in drivers.items():
                results.setdefault(name, []).append(await bw.measure(name, 1, driver))
            for name, queue in CASE_QUEUES.items():
                driver = bw.case_client(client, scripts[name], rounds, queue=queue)
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
