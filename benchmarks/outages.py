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
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from api.tokens import issue_local_token
from benchmarks.sealing import BENCH_KEYS, bench_converter, ready_for_cases
from sg989.policy_files import load_policy
from sg989.settings import Settings
from sg989.temporal import temporal_cli_path
from store.db import make_engine
from store.migrate import upgrade_to_head
from store.models import AuditEvent, Task
from tests.workflows.driver import CaseDriver

TASK_QUEUE = "outages"
RECEIPT = {"verzonden_op": "2026-11-30", "kanaal": "email"}
CONTACT = {"samenvatting": "Melder gesproken."}
PAYLOADS = {"ontvangstbevestiging": RECEIPT, "intake_contact": CONTACT}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sg989_env(address: str, data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SG989_TEMPORAL_ADDRESS": address,
        "SG989_DATA_DIR": str(data_dir),
        "SG989_DATABASE_URL": database_url,
        "SG989_TASK_QUEUE": TASK_QUEUE,
        "SG989_LOG_FORMAT": "json",
        "SG989_PAYLOAD_KEYS": BENCH_KEYS,
        **extra,
    }


def start_sg989(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sg989", command], env=env, stdout=out, stderr=out
        )


async def until_answers(url: str, within: float = 180) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url, timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {within} s")


class Postgres:
    """A throwaway PostgreSQL server (Debian's binaries, as `.ci/with-postgres`) to crash."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise SystemExit(
                "PostgreSQL is not installed: `bash .ci/with-postgres true` installs it"
            )
        self.bin = found[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="sg989-pg-"))
        shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(f"{self.bin}/initdb -D {self.dir}/data -A trust -U postgres")

    def _as_postgres(self, command: str) -> None:
        subprocess.run(
            ["su", "postgres", "-s", "/bin/bash", "-c", command],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            f"{self.bin}/pg_ctl -D {self.dir}/data -l {self.dir}/server.log -w -o '{options}' start"
        )

    def crash(self) -> None:
        self._as_postgres(f"{self.bin}/pg_ctl -D {self.dir}/data -m immediate stop")

    def remove(self) -> None:
        subprocess.run(
            [
                "su",
                "postgres",
                "-s",
                "/bin/bash",
                "-c",
                f"{self.bin}/pg_ctl -D {self.dir}/data -m fast stop",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


class FullDisk:
    """The embedded default's SQLite file on a small tmpfs of its own, which is then filled
    up (the usual way a SQLite store stops taking writes) and freed again."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="sg989-disk-"))
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256m", "none", str(self.dir)], check=True
        )
        self.url = f"sqlite:///{self.dir / 'sg989.db'}"
        self.filler = self.dir / "filler"

    def crash(self) -> None:
        with self.filler.open("wb") as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * (1 << 20))
                out.flush()

    def start(self) -> None:
        self.filler.unlink()

    def remove(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.dir)], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Seen:
    """What the client saw: every answer by status, connection errors, and when."""

    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    first_tries_failed: int = 0
    retries: int = 0
    done_at: list[float] = field(default_factory=list)
    failed_then_done_at: list[float] = field(default_factory=list)
    problems: collections.Counter[str] = field(default_factory=collections.Counter)
    unfinished: int = 0
    first_sent_done: list[tuple[float, float]] = field(default_factory=list)  # answered at once


async def complete_with_retries(
    http: httpx.AsyncClient,
    bases: Sequence[str],
    first: int,
    task_id: str,
    payload: dict[str, str],
    headers: dict[str, str],
    seen: Seen,
    within: float,
) -> None:
    """POST the completion; on no answer or a 5xx, again (same key) on the next replica."""
    sent = time.perf_counter()
    deadline = sent + within
    attempt = 0
    while time.perf_counter() < deadline:
        base = bases[(first + attempt) % len(bases)]
        try:
            response = await http.post(
                f"{base}/tasks/{task_id}/complete", json=payload, headers=headers, timeout=120
            )
            status = str(response.status_code)
        except httpx.TransportError as exc:
            response, status = None, f"no answer ({exc.__class__.__name__})"
        seen.statuses[status] += 1
        if response is not None and response.status_code < 500:
            if response.status_code != 200:
                seen.problems[f"{status}: {response.json().get('detail', '')[:90]}"] += 1
            seen.done_at.append(time.perf_counter())
            if attempt:
                seen.failed_then_done_at.append(time.perf_counter())
            else:
                seen.first_sent_done.append((sent, time.perf_counter()))
            return
        if response is not None:
            seen.problems[f"{status}: {response.json().get('detail', '')[:90]}"] += 1
        if attempt == 0:
            seen.first_tries_failed += 1
        seen.retries += 1
        attempt += 1
        await asyncio.sleep(min(0.25 * attempt, 2.0))
    seen.unfinished += 1


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


@dataclass
class Stack:
    env: WorkflowEnvironment
    data_dir: Path
    url: str
    processes: list[subprocess.Popen[bytes]]
    apis: dict[str, subprocess.Popen[bytes]]
    child_env: dict[str, str]


async def start_stack(url: str, data_dir: Path, apis: int, workers: int = 2) -> Stack:
    upgrade_to_head(url)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        data_converter=bench_converter(),
        ui=False,
    )
    await ready_for_cases(env.client)
    address = env.client.service_client.config.target_host
    child_env = sg989_env(address, data_dir, url)
    processes = [start_sg989("worker", child_env, data_dir / "workers.log") for _ in range(workers)]
    replicas = {}
    for _ in range(apis):
        port = free_port()
        api_env = {**child_env, "SG989_API_PORT": str(port)}
        replicas[f"http://127.0.0.1:{port}"] = start_sg989("api", api_env, data_dir / "api.log")
    for base in replicas:
        await until_answers(f"{base}/health/ready")
    return Stack(env, data_dir, url, processes + list(replicas.values()), replicas, child_env)


async def stop_stack(stack: Stack) -> None:
    for process in stack.processes:
        if process.poll() is None:
            process.terminate()
    for process in stack.processes:
        process.wait(timeout=30)
    await stack.env.shutdown()


async def start_cases(stack: Stack, cases: int) -> tuple[list[str], list[tuple[str, str]]]:
    policy = load_policy()
    drivers = [await CaseDriver.start(stack.env.client, policy, TASK_QUEUE) for _ in range(cases)]
    case_ids = [driver.case_id for driver in drivers]
    return case_ids, await open_intake_tasks(stack.url, case_ids)


def coid_headers(data_dir: Path, key: str) -> dict[str, str]:
    token = issue_local_token(
        Settings(data_dir=data_dir),
        sub="coid-1",
        name="Bench COID",
        roles=["coid_adviseur"],
        units=["CLAS"],
    )
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


async def burst(
    bases: list[str], tasks: list[tuple[str, str]], data_dir: Path, seen: Seen, parallel: int
) -> None:
    gate = asyncio.Semaphore(parallel)
    run = time.time_ns()

    async def one(index: int, task_id: str, task_type: str) -> None:
        async with gate:
            headers = coid_headers(data_dir, f"bench-{run}-{task_id}")
            await complete_with_retries(
                http, bases, index, task_id, PAYLOADS[task_type], headers, seen, within=300
            )

    limits = httpx.Limits(max_connections=parallel * 2)
    async with httpx.AsyncClient(limits=limits) as http:
        await asyncio.gather(*(one(i, task_id, kind) for i, (task_id, kind) in enumerate(tasks)))


def report(seen: Seen, started: float, cut_at: float, total: int) -> None:
    answered = sum(seen.statuses.values())
    print(f"requests: {total} completions, {answered} answers or errors seen by the client")
    for status, count in sorted(seen.statuses.items()):
        print(f"  {status}: {count}")
    for problem, count in seen.problems.most_common(4):
        print(f"  ({count}x) {problem}")
    print(f"  first tries that failed: {seen.first_tries_failed}, retries: {seen.retries}")
    if seen.unfinished:
        print(f"  gave up (300 s): {seen.unfinished}")
    if seen.done_at:
        print(f"  whole burst {max(seen.done_at) - started:.1f} s")
    if seen.failed_then_done_at:
        print(
            f"  every failed request answered by {max(seen.failed_then_done_at) - cut_at:.1f} s "
            "after the loss"
        )


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
