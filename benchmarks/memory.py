"""Worker memory with many open cases, and what an Update on an evicted case costs.

`python -m benchmarks.bench_writes --only memory [--cases 10000] [--cache N]`: on one dev
server (in memory) and a fresh SQLite store, one worker runs as its own process (`python -m
sg989 worker`, so its RSS is the worker's alone) with the configured cache
(SG989_WORKER_MAX_CACHED_WORKFLOWS, default 1000: settings.worker_max_cached_workflows;
`--cache` overrides it). N cases are started (each runs its first workflow task and writes
its first step), then the worker's RSS is read from /proc. Then one
task completion on each of the most recently started cases (still cached) and on each of the
first ones (evicted once N exceeds the cache), one at a time: PROBES of each, as interleaved
pairs (which of the two goes first alternates), so that a change of load on the machine hits
both kinds alike. Printed: the p50 of each kind and their ratio, and the ratio per round of
PAIRS_PER_ROUND pairs (median, min and max), so one noisy stretch shows as one round.

`--think MS` waits that long before each completion, as a worker serving people idles between
their requests: then the worker has a spare sandbox ready for the next case it loads
(sg989/sandbox_pool.py). Back to back (the default) it is never idle for long: it prepares one
while the SDK's core fetches the history of the case being loaded, after evicting another to
make room, and the case waits for whatever of the preparation is left.
SG989_WORKER_SANDBOX_POOL=0 turns the spare sandboxes off for a comparison.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from benchmarks.failover import start_worker, wait_for_pollers
from benchmarks.sealing import bench_converter, ready_for_cases
from domain.requests import CompleteTask
from sg989.policy_files import load_policy
from sg989.settings import Settings
from sg989.temporal import temporal_cli_path
from store.db import make_engine
from store.migrate import upgrade_to_head
from store.models import Case
from tests.workflows.driver import COID, CaseDriver
from workflows.case import CaseWorkflow

QUEUE = "bench-memory"
PROBES = 30  # completions timed on cached and on evicted cases each
PAIRS_PER_ROUND = 6
# Cases started but whose first workflow task has not stored its step yet: enough to keep the
# worker busy without a queue of first workflow tasks that would outlast their 10 s timeout
# on a loaded machine (24 did at load 10: each timed-out task is decided and written again).
WINDOW = 6


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _complete_intake_receipt(case_id: str, driver: CaseDriver) -> float:
    request = CompleteTask(
        actor=COID,
        task_id=f"{case_id}-T01",
        payload={"verzonden_op": "2026-11-30", "kanaal": "email"},
    )
    for _ in range(100):
        started = time.perf_counter()
        try:
            await driver.handle.execute_update(CaseWorkflow.complete_task, request)
        except RPCError as exc:  # its workflow task is still being retried (a loaded machine)
            if "failed state" not in exc.message:
                raise
            await asyncio.sleep(1)
            continue
        return time.perf_counter() - started
    raise RuntimeError(f"case {case_id} never took its Update")


def written(engine: Engine) -> int:
    """Cases that have run their first workflow task (their first step is stored)."""
    query = select(func.count()).select_from(Case).where(col(Case.last_seq) > 0)
    with Session(engine) as session:
        return session.exec(query).one()


async def until_written(engine: Engine, cases: int) -> None:
    while written(engine) < cases:
        await asyncio.sleep(0.2)


async def start_cases(
    client: Client, engine: Engine, cases: int, worker_pid: int, cache: int
) -> list[CaseDriver]:
    """``cases`` open cases, started through the client as fast as the worker takes them: a
    sliding window of WINDOW cases whose first step is not stored yet (not batch by batch,
    which left the worker idle while a batch's slowest case finished)."""
    policy = load_policy()
    before = written(engine)
    drivers: list[CaseDriver] = []
    checkpoint = 1000
    while len(drivers) < cases:
        done = written(engine) - before
        room = min(WINDOW - (len(drivers) - done), cases - len(drivers))
        if room <= 0:
            await asyncio.sleep(0.05)
            continue
        drivers += await asyncio.gather(
            *(CaseDriver.start(client, policy, QUEUE, store=engine) for _ in range(room))
        )
        while done >= checkpoint:
            print(
                f"  {checkpoint} cases started, worker RSS {rss_mb(worker_pid):.0f} MB "
                f"(cache {cache})",
                flush=True,
            )
            checkpoint += 1000
    await until_written(engine, before + cases)
    return drivers


async def probe_pairs(
    cached: list[CaseDriver], evicted: list[CaseDriver], think: float = 0.0
) -> tuple[list[float], list[float]]:
    """One completion on each case, a cached and an evicted one in turn (alternating which
    goes first), ``think`` seconds before each: seconds per completion, per kind, in the
    order taken."""
    on_cached: list[float] = []
    on_evicted: list[float] = []
    for i, (warm, cold) in enumerate(zip(cached, evicted, strict=True)):
        pair = [(on_cached, warm), (on_evicted, cold)]
        for timings, case in reversed(pair) if i % 2 else pair:
            await asyncio.sleep(think)
            timings.append(await _complete_intake_receipt(case.case_id, case))
    return on_cached, on_evicted


def round_ratios(cached: list[float], evicted: list[float]) -> list[float]:
    """evicted/cached p50 per round of PAIRS_PER_ROUND consecutive pairs."""
    return [
        statistics.median(evicted[i : i + PAIRS_PER_ROUND])
        / statistics.median(cached[i : i + PAIRS_PER_ROUND])
        for i in range(0, len(cached) - PAIRS_PER_ROUND + 1, PAIRS_PER_ROUND)
    ]


async def memory(cases: int, cache: int | None = None, think: float = 0.0) -> None:
    cache = cache or Settings().worker_max_cached_workflows
    data_dir = Path(tempfile.mkdtemp(prefix="sg989-memory-"))
    url = f"sqlite:///{data_dir / 'sg989.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        data_converter=bench_converter(),
        ui=False,
    )
    async with env:
        await ready_for_cases(env.client)
        address = env.client.service_client.config.target_host
        worker = start_worker(address, data_dir, QUEUE, worker_max_cached_workflows=str(cache))
        try:
            await wait_for_pollers(env.client, 1, task_queue=QUEUE)
            policy = load_policy()
            await CaseDriver.start(env.client, policy, QUEUE, store=engine)
            await until_written(engine, 1)
            idle = rss_mb(worker.pid)
            print(f"worker cache: {cache} cases (SG989_WORKER_MAX_CACHED_WORKFLOWS)")
            print(f"worker RSS with 1 case: {idle:.0f} MB", flush=True)
            started = time.perf_counter()
            drivers = await start_cases(env.client, engine, cases, worker.pid, cache)
            took = time.perf_counter() - started
            full = rss_mb(worker.pid)
            print(
                f"worker RSS with {cases} open cases: {full:.0f} MB (target < 1024 MB); "
                f"started in {took:.0f} s ({cases / took:.1f} cases/s)"
            )
            recent, first = await probe_pairs(drivers[-PROBES:], drivers[:PROBES], think)
            cached, evicted = statistics.median(recent), statistics.median(first)
            # Each evicted case loaded pushes the least recently used one out: the cached probes
            # (the last PROBES started) stay cached while the cache holds 2 x PROBES cases.
            evicts = cases > cache + PROBES and cache >= 2 * PROBES
            kind = "evicted" if evicts else "NOT all evicted, or cached ones evicted (cache)"
            pace = f"{think * 1000:.0f} ms apart" if think else "back to back"
            print(
                f"Updates {pace} (--think); the worker prepares spare sandboxes when idle "
                "and when it evicts a case to make room"
            )
            print(f"Update on a cached case:  p50 {cached * 1000:6.1f} ms (n={len(recent)})")
            print(
                f"Update on the first cases ({kind}): p50 {evicted * 1000:6.1f} ms (n={len(first)})"
            )
            print(f"  ratio evicted/cached {evicted / cached:.2f} (target <= 2)")
            rounds = round_ratios(recent, first)
            print(
                f"  per round of {PAIRS_PER_ROUND} pairs: median {statistics.median(rounds):.2f}, "
                f"min {min(rounds):.2f}, max {max(rounds):.2f} ("
                + " ".join(f"{r:.2f}" for r in rounds)
                + ")"
            )
            print(f"worker RSS at the end: {rss_mb(worker.pid):.0f} MB")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
