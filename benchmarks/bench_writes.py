"""Write-path benchmark: `python -m benchmarks.bench_writes` (also part of `make bench`).

In one run on one dev server (`temporal server start-dev`, in memory), task completion through
sg989 is measured side by side with two baselines:
- bare:            a workflow whose Update only bumps a counter;
- bare + activity: the same Update, awaiting one activity that inserts one row in the store;
- sg989:           `complete_task` on real cases (validator, lifecycle, one store write).
Each at concurrency 1, 5 and 20 (one case or workflow per concurrent client). Updates/s is
wall-clock throughput; latencies are per Update. Then the history of one case on the full
investigation path (time-skipping server, every run summed) and activities per Update.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import store.models  # noqa: F401  (registers the tables)
from benchmarks.memory import memory
from benchmarks.sealing import bench_converter, ready_for_cases
from domain.case import CompleteTask
from domain.phases import TaskType
from sg989.policy_files import load_policy
from sg989.temporal import temporal_cli_path, test_server_path
from sg989.worker import build_worker
from store.db import make_engine
from tests.workflows.driver import COID, NAZORG, CaseDriver
from tests.workflows.test_paths import drive_to_afdoening, finish_afdoening
from workflows.case import CaseWorkflow

LEVELS = (1, 5, 20)
BARE_QUEUE = "bench-bare"
CASE_QUEUE = "bench-cases"


# -- the baselines ----------------------------------------------------------------------------


@dataclass
class Row:
    workflow_id: str
    n: int


class RowWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="bench_write_row")
    def write_row(self, row: Row) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_row (workflow_id, n, at) VALUES (:w, :n, :at)"),
                {"w": row.workflow_id, "n": row.n, "at": datetime.now(UTC).isoformat()},
            )


@workflow.defn(name="BenchBare", sandboxed=False)
class BenchBare:
    @workflow.init
    def __init__(self, with_activity: bool) -> None:
        self.with_activity = with_activity
        self.n = 0
        self.done = False

    @workflow.run
    async def run(self, with_activity: bool) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.n

    @workflow.update
    async def bump(self) -> int:
        self.n += 1
        if self.with_activity:
            await workflow.execute_activity(
                "bench_write_row",
                Row(workflow.info().workflow_id, self.n),
                start_to_close_timeout=timedelta(seconds=30),
            )
        return self.n

    @workflow.signal
    def finish(self) -> None:
        self.done = True


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    concurrency: int
    latencies: list[float]
    elapsed: float

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:16} c={self.concurrency:<3} {self.per_second:7.1f} Updates/s  "
            f"p50 {self.pct(50):6.1f} ms  p95 {self.pct(95):6.1f} ms  p99 {self.pct(99):6.1f} ms  "
            f"(n={len(self.latencies)})"
        )


Client_ = Callable[[int], Awaitable[list[float]]]


async def measure(name: str, concurrency: int, client: Client_) -> Result:
    started = time.perf_counter()
    runs = await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Result(name, concurrency, [lat for run in runs for lat in run], elapsed)


async def timed(call: Awaitable[Any]) -> float:
    started = time.perf_counter()
    await call
    return time.perf_counter() - started


def bare_client(client: Client, updates: int, with_activity: bool) -> Client_:
    async def one(_: int) -> list[float]:
        handle = await client.start_workflow(
            BenchBare.run, with_activity, id=f"bare-{uuid.uuid4().hex[:8]}", task_queue=BARE_QUEUE
        )
        latencies = [await timed(handle.execute_update(BenchBare.bump)) for _ in range(updates)]
        await handle.signal(BenchBare.finish)
        return latencies

    return one


Script = list[tuple[str, CompleteTask]]


async def probe_script(client: Client) -> Script:
    """The task completions of one case from intake to nazorg, as (task suffix, request).

    Task ids are the case number plus a counter, so the same script drives every case
    without a query between Updates."""
    script: Script = []
    case = await CaseDriver.start(client, load_policy(), CASE_QUEUE)
    original = case.handle.execute_update

    async def recording(update: Any, request: Any, **kw: Any) -> Any:
        if isinstance(request, CompleteTask):
            suffix = request.task_id.removeprefix(case.case_id)
            script.append((suffix, request))
        return await original(update, request, **kw)

    case.handle.execute_update = recording  # type: ignore[method-assign]
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])
    return script


def case_client(client: Client, script: Script, cases: int) -> Client_:
    async def one(_: int) -> list[float]:
        latencies: list[float] = []
        for _ in range(cases):
            case = await CaseDriver.start(client, load_policy(), CASE_QUEUE)
            await case.open_task(TaskType.ontvangstbevestiging)  # the case has started
            for suffix, request in script:
                req = request.model_copy(update={"task_id": case.case_id + suffix})
                latencies.append(
                    await timed(case.handle.execute_update(CaseWorkflow.complete_task, req))
                )
        return latencies

    return one


async def throughput(
    env: WorkflowEnvironment, engine: Engine, rounds: int, levels: tuple[int, ...]
) -> None:
    client = env.client
    writer = RowWriter(engine)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE IF NOT EXISTS bench_row (workflow_id TEXT, n INTEGER, at TEXT)")
        )
    bare_worker = Worker(
        client,
        task_queue=BARE_QUEUE,
        workflows=[BenchBare],
        activities=[writer.write_row],
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )
    async with bare_worker, build_worker(client, engine, CASE_QUEUE):
        script = await probe_script(client)
        per_case = len(script)
        print(f"sg989 drives {per_case} task completions per case (intake to nazorg)\n")
        for level in levels:
            cases = max(1, rounds // level)
            updates = per_case * cases
            bare = await measure("bare", level, bare_client(client, updates, False))
            one = await measure("bare + activity", level, bare_client(client, updates, True))
            ours = await measure("sg989", level, case_client(client, script, cases))
            for result in (bare, one, ours):
                print(result.line())
            print(
                f"  ratios c={level}: sg989/bare+activity {ours.per_second / one.per_second:.2f} "
                f"(target >= 0.7), sg989/bare {ours.per_second / bare.per_second:.2f}"
                + (" (target >= 0.5)" if level == 1 else "")
                + "\n"
            )


# -- history of one case ----------------------------------------------------------------------


async def history_of_full_path(engine: Engine) -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(test_server_path()), data_converter=bench_converter()
    )
    await ready_for_cases(env.client)
    async with env, build_worker(env.client, engine, CASE_QUEUE):
        case = await CaseDriver.start(env.client, load_policy(), CASE_QUEUE)
        await drive_to_afdoening(case, ["ontslag"])
        await finish_afdoening(case, ["ontslag"])
        termijn = await case.open_task(TaskType.bezwaartermijn)
        await env.sleep(termijn.due_at - await env.get_current_time() + timedelta(minutes=1))
        for _ in range(2):
            await case.complete(TaskType.nazorg_checkin, NAZORG, {"verslag": "Goed gesprek."})
        for _ in range(2):  # the feedback, then the outcome at closure
            await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Geïnformeerd."})
        await case.handle.result()
        histories = await all_runs(env.client, case.case_id)
    events = [e for h in histories for e in h.events]
    proto = sum(e.ByteSize() for e in events)
    json_bytes = sum(len(h.to_json()) for h in histories)
    updates = sum(
        e.HasField("workflow_execution_update_completed_event_attributes") for e in events
    )
    timers = sum(e.HasField("timer_fired_event_attributes") for e in events)
    activities = sum(e.HasField("activity_task_scheduled_event_attributes") for e in events)
    local = sum(
        e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
        for e in events
    )
    print(
        f"history of a case on the full investigation path: {len(histories)} run(s), "
        f"{len(events)} events, {proto / 1024:.0f} KB protobuf, {json_bytes / 1024:.0f} KB JSON "
        "(target < 100 KB)"
    )
    print(
        f"store writes: {activities} activities + {local} local activities for {updates} Updates "
        f"and {timers} timer firings: {(activities + local) / max(updates + timers, 1):.2f} "
        "per Update or timer firing"
    )


async def all_runs(client: Client, case_id: str) -> list[WorkflowHistory]:
    handle = client.get_workflow_handle(case_id)
    run_id = (await handle.describe()).raw_description.workflow_execution_info.first_run_id
    histories = []
    while run_id:
        history = await client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
        histories.append(history)
        last = history.events[-1]
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return histories


async def main(
    rounds: int,
    only: str,
    levels: tuple[int, ...] = LEVELS,
    cases: int = 10_000,
    cache: int | None = None,
) -> None:
    if only in ("all", "memory"):
        await memory(cases, cache)
        print()
    if only == "memory":
        return
    engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    if only in ("all", "history"):
        await history_of_full_path(engine)
        print()
    if only in ("all", "throughput"):
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal_cli_path()),
            data_converter=bench_converter(),
            ui=False,
        )
        async with env:
            await ready_for_cases(env.client)
            await throughput(env, engine, rounds, levels)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=20, help="cases per level, spread over clients"
    )
    parser.add_argument("--only", choices=("all", "history", "throughput", "memory"), default="all")
    parser.add_argument(
        "--cases", type=int, default=10_000, help="open cases for the memory measurement"
    )
    parser.add_argument("--levels", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument(
        "--cache", type=int, default=None, help="the worker's cache (default: the setting)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.only, tuple(args.levels), args.cases, args.cache))
