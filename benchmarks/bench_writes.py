"""Write-path benchmark: `python -m benchmarks.bench_writes` (also part of `make bench`).

In one run on one dev server (`temporal server start-dev`, in memory), task completion through
sg989 is measured side by side with two baselines:
- bare:            a workflow whose Update only bumps a counter;
- bare + activity: the same Update, awaiting one activity that inserts one row in the store;
- sg989:           the `complete_task` Update sent with the workflow client, on real cases
                   (validator, lifecycle, the step's one store write, read-your-writes);
- sg989 API:       what a user calls: `POST /tasks/{id}/complete` on the FastAPI app in this
                   process (bearer token, the task and case look-up in the store, payload
                   validation, the same Update, the answer), called as an ASGI server calls
                   it (`asgi_post`): the HTTP client's own work (httpx's ASGI transport tried a
                   failing `import sniffio` and parsed cookies on every request) happens in the
                   user's process, not in sg989's, so it is not billed to sg989 here.
Each at concurrency 1, 5 and 20 (one case or workflow per concurrent client), the four
interleaved over `--repeats` rounds so that a load change on the machine hits them alike.
Updates/s is wall-clock throughput summed over the rounds, counted from the moment every client
has its workflow or its cases registered (a case's registration is not a task completion, and a
bare workflow's start costs next to nothing); latencies are per Update. Then the
history of one case on the full investigation path and activities per Update: see
benchmarks/history_size.py; `--only memory`: see benchmarks/memory.py; `--only phases` (where
the milliseconds of one completion go at concurrency 1): see benchmarks/phases.py; `--only gap`
(what a local write, a case's timer and search attributes, sg989's own work and the sandbox
each add to a bare Update): see benchmarks/gap.py; `--only processes` (the API of a real
`sg989 up`, in one process and with `--separate`, every worker in a process of its own): see
benchmarks/processes.py.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio.testing import WorkflowEnvironment

import store.models  # noqa: F401  (registers the tables)
from benchmarks import exit_after_figures
from benchmarks.bare import BareWrite
from benchmarks.drivers import (
    CASE_QUEUE,
    Driver,
    bare_client,
    baselines_worker,
    case_client,
    compare,
    measure,
    probe_script,
)
from benchmarks.history_size import history_of_full_path
from benchmarks.in_process import ApiCaller
from benchmarks.memory import memory
from benchmarks.sealing import bench_converter, ready_for_cases
from sg989 import collector
from sg989.settings import Settings
from sg989.temporal import temporal_cli_path
from sg989.worker import build_worker
from store.db import make_engine

LEVELS = (1, 5, 20)


async def throughput(
    env: WorkflowEnvironment, engine: Engine, rounds: int, levels: tuple[int, ...], repeats: int
) -> None:
    client = env.client
    bare_worker = baselines_worker(client, engine)
    api = ApiCaller(client, engine)
    async with bare_worker, build_worker(client, engine, CASE_QUEUE), api.http:
        script = await probe_script(client)
        await measure("warm-up", 1, case_client(client, script, 1, api))  # the app's first requests
        collector.settle(Settings().gc_young_threshold)  # as `sg989 up` does once started
        per_case = len(script)
        print(f"sg989 drives {per_case} task completions per case (intake to nazorg)\n")
        for level in levels:
            cases = max(1, rounds // level)
            updates = per_case * cases
            clients: dict[str, Driver] = {
                "bare": bare_client(client, updates, BareWrite.none),
                "bare + activity": bare_client(client, updates, BareWrite.activity),
                "sg989": case_client(client, script, cases),
                "sg989 API": case_client(client, script, cases, api),
            }
            await compare(level, clients, repeats, ours=["sg989", "sg989 API"])


async def main(
    rounds: int,
    only: str,
    levels: tuple[int, ...] = LEVELS,
    cases: int = 10_000,
    cache: int | None = None,
    repeats: int = 2,
    think_ms: int = 0,
) -> None:
    if only == "memory":  # not part of "all": starting 10,000 cases takes a while
        await memory(cases, cache, think_ms / 1000)
        return
    engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    if only in ("all", "history"):
        await history_of_full_path(engine)
        print()
    if only in ("all", "throughput", "phases", "gap", "processes"):
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal_cli_path()),
            data_converter=bench_converter(),
            ui=False,
        )
        async with env:
            await ready_for_cases(env.client)
            if only == "phases":  # where the milliseconds go at concurrency 1
                from benchmarks.phases import phases

                await phases(env.client, engine, rounds)
                return
            if only == "gap":  # what each rung from a bare Update to a completion adds
                from benchmarks.gap import gap

                await gap(env.client, engine, rounds, repeats)
                return
            if only in ("all", "throughput"):
                await throughput(env, engine, rounds, levels, repeats)
            if only in ("all", "processes"):  # `sg989 up` as users run it: 2 and 1 processes
                from benchmarks.processes import processes

                await processes(env.client, str(engine.url), rounds, levels, repeats)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=20, help="cases per level and repeat, spread over clients"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="interleaved rounds of the four at each level"
    )
    parser.add_argument(
        "--only",
        choices=("all", "history", "throughput", "memory", "phases", "gap", "processes"),
        default="all",
    )
    parser.add_argument(
        "--cases", type=int, default=10_000, help="open cases for the memory measurement"
    )
    parser.add_argument("--levels", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument(
        "--cache", type=int, default=None, help="the worker's cache (default: the setting)"
    )
    parser.add_argument(
        "--think",
        type=int,
        default=0,
        help="memory: milliseconds between two timed completions, as between users' requests "
        "(default 0: back to back)",
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            args.rounds,
            args.only,
            tuple(args.levels),
            args.cases,
            args.cache,
            args.repeats,
            args.think,
        )
    )
    exit_after_figures()
