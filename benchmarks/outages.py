"""The loss of an API replica or of the store, as a client sees it (`benchmarks.failover`).

`python -m benchmarks.failover --scenario api`: two `sg989 api` processes on two ports and two
workers on the dev server; a client completes the two intake tasks of every case through the
API, each request with its own Idempotency-Key, alternating between the replicas. One replica is
SIGKILLed shortly into the burst; the client sends a request that failed (no answer, or a 5xx)
again to the other replica with the same key.

`python -m benchmarks.failover --scenario store`: the same burst through one API replica on a
throwaway PostgreSQL server, which is stopped (`pg_ctl stop -m immediate`, a crash) shortly into
it and started again after `--down-for` seconds. The client retries every 503 with the same key;
a prober reads /health/ready meanwhile. The Temporal dev server keeps its own state: only
sg989's store is lost here (in compose, Temporal's persistence is on the same PostgreSQL).
With `--scenario sqlite`, the embedded default's SQLite file sits on a small disk of its own
(a tmpfs; mounting needs root) that fills up instead, and is freed after `--down-for` seconds.

Both print what the client saw (answers by status, connection errors), how long recovery took,
and whether the store holds every task completion exactly once with every audit chain intact
(`sg989 verify-audit`). Nothing is asserted: the figures go into the README.
"""

from __future__ import annotations

import asyncio
import collections
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import Session, col, select

from benchmarks.outage_client import PAYLOADS, Seen, burst, report
from benchmarks.outage_stack import (
    TASK_QUEUE,
    FullDisk,
    Postgres,
    Stack,
    start_stack,
    stop_stack,
)
from sg989.policy_files import load_policy
from store.db import make_engine
from store.models import AuditEvent, Task
from tests.workflows.driver import CaseDriver


async def open_intake_tasks(engine_url: str, case_ids: list[str]) -> list[tuple[str, str]]:
    """(task id, task type) of every open intake task of the cases, once the store shows them."""
    engine = make_engine(engine_url)
    wanted = 2 * len(case_ids)
    for _ in range(600):
        with Session(engine) as session:
            rows = session.exec(
                select(Task.task_id, Task.task_type).where(
                    col(Task.case_id).in_(case_ids),
                    col(Task.task_type).in_(list(PAYLOADS)),
                    Task.status == "open",
                )
            ).all()
        if len(rows) >= wanted:
            engine.dispose()
            return [(task_id, task_type) for task_id, task_type in rows]
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the store shows {len(rows)} of {wanted} intake tasks")


def exactly_once(engine_url: str, case_ids: list[str]) -> tuple[int, bool, bool]:
    """(completions recorded, each intake task completed exactly once, every seq gap-free)."""
    engine = make_engine(engine_url)
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent.case_id, AuditEvent.details).where(
                col(AuditEvent.case_id).in_(case_ids),
                AuditEvent.event_type == "taak_afgerond",
            )
        ).all()
        sequences = session.exec(
            select(AuditEvent.case_id, func.count(), func.max(AuditEvent.seq))
            .where(col(AuditEvent.case_id).in_(case_ids))
            .group_by(AuditEvent.case_id)
        ).all()
    engine.dispose()
    per_task = collections.Counter(str(details["task_id"]) for _, details in events)
    once = len(per_task) == 2 * len(case_ids) and set(per_task.values()) == {1}
    gap_free = len(sequences) == len(case_ids) and all(n == top for _, n, top in sequences)
    return len(events), once, gap_free


def verify_audit(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sg989", "verify-audit"],
        env={**env, "SG989_LOG_FORMAT": "console"},
        capture_output=True,
        text=True,
    )
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    return f"{last} (exit {done.returncode})"


async def start_cases(stack: Stack, cases: int) -> tuple[list[str], list[tuple[str, str]]]:
    policy = load_policy()
    drivers = [await CaseDriver.start(stack.env.client, policy, TASK_QUEUE) for _ in range(cases)]
    case_ids = [driver.case_id for driver in drivers]
    return case_ids, await open_intake_tasks(stack.url, case_ids)


async def api_replica_loss(cases: int, kill_after: float, parallel: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="sg989-api-loss-"))
    url = f"sqlite:///{data_dir / 'sg989.db'}"
    stack = await start_stack(url, data_dir, apis=2)
    try:
        case_ids, tasks = await start_cases(stack, cases)
        bases = list(stack.apis)
        seen = Seen()
        started = time.perf_counter()

        async def kill() -> float:
            if kill_after < 0:
                return float("nan")  # the baseline: nobody is killed
            await asyncio.sleep(kill_after)
            stack.apis[bases[0]].send_signal(signal.SIGKILL)
            return time.perf_counter()

        killer = asyncio.create_task(kill())
        await burst(bases, tasks, data_dir, seen, parallel)
        killed_at = await killer
        what = "none killed" if kill_after < 0 else f"one SIGKILLed {killed_at - started:.2f} s in"
        print(f"API replicas: 2 (SQLite store, 2 workers), {what}")
        report(seen, started, killed_at, len(tasks))
        recorded, once, gap_free = exactly_once(url, case_ids)
        print(
            f"store: {recorded} completions recorded for {len(tasks)} tasks; exactly once: {once}"
        )
        print(f"  audit sequences gap-free: {gap_free}; {verify_audit(stack.child_env)}")
    finally:
        await stop_stack(stack)


async def probe_ready(base: str, until: asyncio.Event, seen: collections.Counter[str]) -> None:
    async with httpx.AsyncClient() as http:
        while not until.is_set():
            try:
                response = await http.get(f"{base}/health/ready", timeout=5)
                kind = response.headers.get("content-type", "")
                checks = response.json().get("checks", {})
                seen[f"{response.status_code} {kind} store={checks.get('store', '?')[:40]}"] += 1
            except httpx.TransportError as exc:
                seen[f"no answer ({exc.__class__.__name__})"] += 1
            await asyncio.sleep(0.25)


async def ready_again(base: str) -> float:
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(f"{base}/health/ready", timeout=5)).status_code == 200:
                    return time.perf_counter()
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def store_loss(
    cases: int, kill_after: float, down_for: float, parallel: int, sqlite: bool = False
) -> None:
    store: Postgres | FullDisk = FullDisk() if sqlite else Postgres()
    if isinstance(store, Postgres):
        store.start()
    data_dir = Path(tempfile.mkdtemp(prefix="sg989-store-loss-"))
    stack = await start_stack(store.url, data_dir, apis=1)
    try:
        case_ids, tasks = await start_cases(stack, cases)
        base = next(iter(stack.apis))
        seen, probed = Seen(), collections.Counter[str]()
        stop_probe = asyncio.Event()
        started = time.perf_counter()
        moments: dict[str, float] = {}

        async def outage() -> None:
            await asyncio.sleep(kill_after)
            moments["crash"] = time.perf_counter()
            await asyncio.to_thread(store.crash)  # the client goes on meanwhile
            prober = asyncio.create_task(probe_ready(base, stop_probe, probed))
            await asyncio.sleep(down_for)
            stop_probe.set()
            await prober
            moments["start"] = time.perf_counter()
            await asyncio.to_thread(store.start)
            moments["restart"] = time.perf_counter()
            moments["ready"] = await ready_again(base)

        outage_task = asyncio.create_task(outage())
        await burst([base], tasks, data_dir, seen, parallel)
        await outage_task
        crash, restart = moments["crash"], moments["restart"]
        if sqlite:
            print(
                f"store: the SQLite file's disk filled up {crash - started:.2f} s into the "
                f"burst, space freed {moments['start'] - crash:.1f} s later (1 API, 2 workers)"
            )
        else:
            print(
                f"store: PostgreSQL crashed (pg_ctl -m immediate) {crash - started:.2f} s into "
                f"the burst, started again {moments['start'] - crash:.1f} s later and accepting "
                f"connections {restart - moments['start']:.1f} s after that (1 API, 2 workers)"
            )
        print("/health/ready while it was down (every 0.25 s):")
        for state, count in probed.most_common():
            print(f"  {count}x {state}")
        print(
            f"/health/ready answered 200 again {moments['ready'] - restart:.1f} s after the start"
        )
        report(seen, started, crash, len(tasks))
        if seen.done_at:
            print(f"  last completion answered {max(seen.done_at) - restart:.1f} s after the start")
        spanning = [done for sent, done in seen.first_sent_done if sent < crash < done]
        if spanning:
            print(
                f"  {len(spanning)} request(s) sent before the crash waited through it and "
                f"answered 200 at once, the last {max(spanning) - crash:.1f} s after the loss"
            )
        alive = [p.poll() is None for p in stack.processes]
        print(f"processes still running (2 workers, 1 API): {sum(alive)} of {len(alive)}")
        recorded, once, gap_free = exactly_once(store.url, case_ids)
        print(
            f"store: {recorded} completions recorded for {len(tasks)} tasks; exactly once: {once}"
        )
        print(f"  audit sequences gap-free: {gap_free}; {verify_audit(stack.child_env)}")
    finally:
        await stop_stack(stack)
        store.remove()
