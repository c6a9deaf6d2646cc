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
- sg989, one-row write: task completions (the script of `--only throughput`) on a worker whose
                        case workflow runs outside the sandbox (Temporal's
                        ``UnsandboxedWorkflowRunner``) and whose step write is the one-row
                        insert of the rungs above instead of the case's events and rows
                        (``OneRowStore``): what the workflow's own work adds;
- sg989 unsandboxed:    the same, with the case's real step write: what storing the step adds
                        over a one-row insert;
- sg989:                the same completions on the worker as shipped: what the sandbox adds.
The sg989 rungs other than the last are diagnostics, not ways to run: sg989 always runs its
workflows in the sandbox and stores every step. Prints each line, then what each rung adds to
the p50 and the CPU per Update: the last three steps are sg989's own work. What one
completion's milliseconds are spent on: `--only phases`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

import sg989.worker
from activities.record import StoreActivities
from benchmarks import drivers
from benchmarks.bare import BareWrite, CaseCommands, Row, RowWriter, commands_of
from domain.transition import RECORD_STEP, CaseStep

ONE_ROW = "sg989, one-row write"
CASE_QUEUES = {
    ONE_ROW: "bench-one-row",
    "sg989 unsandboxed": "bench-unsandboxed",
    "sg989": "bench-sandboxed",
}
CASE_COMMANDS = "+ timer + upserts"


class OneRowStore(StoreActivities):
    """sg989's store activities with the step write swapped for the rungs' one-row insert: the
    case runs as ever, but the store holds none of its events or rows."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.rows = RowWriter(engine)

    @activity.defn(name=RECORD_STEP)
    def record_step(self, step: CaseStep) -> bool:
        self.rows.write_row(Row(step.case_id, step.first_seq))
        return True


@contextmanager
def _swapped(**replacements: Any) -> Iterator[None]:
    """``sg989.worker``'s names replaced while a worker is built, then put back."""
    shipped = {name: getattr(sg989.worker, name) for name in replacements}
    for name, replacement in replacements.items():
        setattr(sg989.worker, name, replacement)
    try:
        yield
    finally:
        for name, original in shipped.items():
            setattr(sg989.worker, name, original)


def case_worker(client: Client, engine: Engine, name: str, queue: str | None = None) -> Worker:
    """The worker of one sg989 rung (``CASE_QUEUES``), on its queue unless given another."""
    queue = queue or CASE_QUEUES[name]
    unsandboxed: dict[str, Any] = {"workflow_runner": UnsandboxedWorkflowRunner}
    if name == ONE_ROW:
        unsandboxed["StoreActivities"] = OneRowStore
    if name == "sg989":
        return sg989.worker.build_worker(client, engine, queue)
    with _swapped(**unsandboxed):
        return sg989.worker.build_worker(client, engine, queue)


async def gap(client: Client, engine: Engine, rounds: int, repeats: int) -> None:
    bare = drivers.baselines_worker(client, engine)
    cases = {name: case_worker(client, engine, name) for name in CASE_QUEUES}
    async with bare, cases[ONE_ROW], cases["sg989 unsandboxed"], cases["sg989"]:
        scripts, issued = {}, {}
        for name, queue in CASE_QUEUES.items():
            scripts[name] = await drivers.probe_script(client, queue)
            issued[name] = await _warm_up(client, scripts[name], queue)
        commands = issued["sg989"]
        print(
            f"a task completion moves its case's deadline timer {commands.timers:.2f} times and "
            f"upserts search attributes {commands.upserts:.2f} times (averages)"
        )
        updates = rounds * len(scripts["sg989"])
        results: dict[str, list[drivers.Result]] = {}
        for _ in range(repeats):
            baselines = {
                "bare": drivers.bare_client(client, updates, BareWrite.none),
                "bare + local write": drivers.bare_client(client, updates, BareWrite.local),
                CASE_COMMANDS: drivers.bare_client(client, updates, BareWrite.local, commands),
            }
            for name, driver in baselines.items():
                results.setdefault(name, []).append(await drivers.measure(name, 1, driver))
            for name, queue in CASE_QUEUES.items():
                driver = drivers.case_client(client, scripts[name], rounds, queue=queue)
                results.setdefault(name, []).append(await drivers.measure(name, 1, driver))
    report({name: drivers.Result.sum(runs) for name, runs in results.items()})


async def _warm_up(client: Client, script: drivers.Script, queue: str) -> CaseCommands:
    """One case through the script; the commands its completions had Temporal carry out."""
    driver = drivers.case_client(client, script, 1, queue=queue)
    started = await driver.prepare()
    await driver.run(started)
    return await commands_of(started[0].handle)


def report(summed: dict[str, drivers.Result]) -> None:
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
    print(budget_line(bare, summed[CASE_COMMANDS], summed["sg989"]))


def budget_line(bare: drivers.Result, floor: drivers.Result, ours: drivers.Result) -> str:
    """What the target (half of bare's Updates/s) leaves for sg989's own work, in mean ms per
    Update over the rung that does only what a case must (its write, timer and upserts)."""
    budget = (2 / bare.per_second - 1 / floor.per_second) * 1000
    own = (1 / ours.per_second - 1 / floor.per_second) * 1000
    return (
        f"half of bare leaves sg989's own work {budget:.1f} ms per Update over "
        f"'{CASE_COMMANDS}'; it takes {own:.1f} ms"
    )
