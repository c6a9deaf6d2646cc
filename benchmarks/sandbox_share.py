"""How much of a task completion at concurrency 1 is the workflow sandbox's:
`python -m benchmarks.bench_writes --only sandbox [--rounds N] [--repeats R]`.

The same completions (the script of `--only throughput`, through the workflow client) on two
workers in this process, one with sg989's sandbox (as shipped) and one with the case workflow
outside it (Temporal's ``UnsandboxedWorkflowRunner``), interleaved per repeat so that a load
change hits both alike. A diagnostic, not a way to run: sg989 always runs its workflows in the
sandbox. It says how much of the gap to a bare Update the sandbox explains; the rest is the case's
own work, its store write and the local activity's round trip (`--only phases`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

import sg989.worker
from benchmarks import bench_writes as bw

QUEUES = {"sandboxed": "bench-sandboxed", "unsandboxed": "bench-unsandboxed"}


@contextmanager
def _unsandboxed() -> Iterator[None]:
    shipped = sg989.worker.workflow_runner
    sg989.worker.workflow_runner = UnsandboxedWorkflowRunner  # type: ignore[assignment]
    try:
        yield
    finally:
        sg989.worker.workflow_runner = shipped


def _worker(client: Client, engine: Engine, name: str) -> Worker:
    if name == "sandboxed":
        return sg989.worker.build_worker(client, engine, QUEUES[name])
    with _unsandboxed():
        return sg989.worker.build_worker(client, engine, QUEUES[name])


async def sandbox_share(client: Client, engine: Engine, rounds: int, repeats: int) -> None:
    workers = {name: _worker(client, engine, name) for name in QUEUES}
    async with workers["sandboxed"], workers["unsandboxed"]:
        scripts = {}
        for name, queue in QUEUES.items():
            bw.CASE_QUEUE = queue  # the drivers read the queue when they start a case
            scripts[name] = await bw.probe_script(client)
            await bw.measure("warm-up", 1, bw.case_client(client, scripts[name], 1))
        results: dict[str, list[bw.Result]] = {name: [] for name in QUEUES}
        for _ in range(repeats):
            for name, queue in QUEUES.items():
                bw.CASE_QUEUE = queue
                driver = bw.case_client(client, scripts[name], rounds)
                results[name].append(await bw.measure(name, 1, driver))
    summed = {name: bw.Result.sum(runs) for name, runs in results.items()}
    print("task completion at concurrency 1, through the workflow client")
    for result in summed.values():
        print(result.line())
    inside, outside = summed["sandboxed"], summed["unsandboxed"]
    print(
        f"  the sandbox's share: {inside.pct(50) - outside.pct(50):.1f} ms of the p50, "
        f"{(inside.cpu / len(inside.latencies) - outside.cpu / len(outside.latencies)) * 1000:.1f}"
        " ms of CPU per completion"
    )
