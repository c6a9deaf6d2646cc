"""Where the gap between a task completion and a bare Update is, at concurrency 1:
`python -m benchmarks.bench_writes --only gap [--rounds N] [--repeats R]`.

Five kinds of Update, through the workflow client on one dev server, taking turns in every
repeat so that a load change hits them alike, each one rung more than the one before:
- bare:                 the Update of `--only throughput`, which only bumps a counter;
- bare + local write:   the same Update awaiting a local activity that inserts one row in the
                        store (the cheapest way to have an Update's change in the store before
                        it answers: the floor for any design that does);
- + timer + upserts:   the same, also carrying the commands a task completion has Temporal
                        carry out: its deadline timer moved, and the search attributes upserted
                        when the phase changed (issue 9), as often per Update as a warm-up
                        case's history shows. What this adds is Temporal's price for what a case
                        must do (on each upsert the dev server writes the case's visibility row);
- sg989 unsandboxed:    task completions (the script of `--only throughput`) on a worker whose
                        case workflow runs outside the sandbox (Temporal's
                        ``UnsandboxedWorkflowRunner``). A diagnostic, not a way to run: sg989
                        always runs its workflows in the sandbox;
- sg989:                the same completions on the worker as shipped.
Prints each line, then what each rung adds to the p50 and the CPU per Update: the last two
steps are sg989's own work. What one completion's milliseconds are spent on: `--only phases`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

import sg989.worker
from benchmarks import bench_writes as bw
from benchmarks.bare import BareWrite, BenchBare, CaseCommands, RowWriter, commands_of

CASE_QUEUES = {"sg989 unsandboxed": "bench-unsandboxed", "sg989": "bench-sandboxed"}
CASE_COMMANDS = "+ timer + upserts"


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
    bare = Worker(
        client,
        task_queue=bw.BARE_QUEUE,
        workflows=[BenchBare],
        activities=[RowWriter(engine).write_row],
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )
    cases = {name: _case_worker(client, engine, name) for name in CASE_QUEUES}
    async with bare, cases["sg989 unsandboxed"], cases["sg989"]:
        scripts, issued = {}, {}
        for name, queue in CASE_QUEUES.items():
            scripts[name] = await bw.probe_script(client, queue)
            issued[name] = await _warm_up(client, scripts[name], queue)
        commands = issued["sg989"]
        print(
            f"a task completion moves its case's deadline timer {commands.timers:.2f} times and "
            f"upserts search attributes {commands.upserts:.2f} times (averages)"
        )
        updates = rounds * len(scripts["sg989"])
        results: dict[str, list[bw.Result]] = {}
        for _ in range(repeats):
            drivers = {
                "bare": bw.bare_client(client, updates, BareWrite.none),
                "bare + local write": bw.bare_client(client, updates, BareWrite.local),
                CASE_COMMANDS: bw.bare_client(client, updates, BareWrite.local, commands),
            }
            for name, driver in drivers.items():
                results.setdefault(name, []).append(await bw.measure(name, 1, driver))
            for name, queue in CASE_QUEUES.items():
                driver = bw.case_client(client, scripts[name], rounds, queue=queue)
                results.setdefault(name, []).append(await bw.measure(name, 1, driver))
    report({name: bw.Result.sum(runs) for name, runs in results.items()})


async def _warm_up(client: Client, script: bw.Script, queue: str) -> CaseCommands:
    """One case through the script; the commands its completions had Temporal carry out."""
    driver = bw.case_client(client, script, 1, queue=queue)
    started = await driver.prepare()
    await driver.run(started)
    return await commands_of(started[0].handle)


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
