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
each add to a bare Update): see benchmarks/gap.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import store.models  # noqa: F401  (registers the tables)
from api.main import create_app
from api.tokens import issue_local_token
from benchmarks import exit_after_figures
from benchmarks.bare import BareWrite, BenchBare, CaseCommands, RowWriter
from benchmarks.history_size import history_of_full_path
from benchmarks.memory import memory
from benchmarks.sealing import BENCH_KEYS, bench_converter, ready_for_cases
from domain.case import Actor, CompleteTask
from domain.phases import TaskType
from sg989 import collector
from sg989.policy_files import load_policy
from sg989.settings import Settings
from sg989.temporal import temporal_cli_path
from sg989.worker import build_worker
from store.db import make_engine
from store.models import Task as StoreTask
from tests.workflows.driver import CaseDriver
from tests.workflows.test_paths import drive_to_afdoening, finish_afdoening
from workflows.case import CaseWorkflow

LEVELS = (1, 5, 20)
BARE_QUEUE = "bench-bare"
CASE_QUEUE = "bench-cases"


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    concurrency: int
    latencies: list[float]
    elapsed: float
    cpu: float  # this process's CPU seconds (every thread) while the clock ran

    @classmethod
    def sum(cls, runs: list[Result]) -> Result:
        latencies = [lat for run in runs for lat in run.latencies]
        elapsed, cpu = sum(r.elapsed for r in runs), sum(r.cpu for r in runs)
        return cls(runs[0].name, runs[0].concurrency, latencies, elapsed, cpu)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:20} c={self.concurrency:<3} {self.per_second:7.1f} Updates/s  "
            f"p50 {self.pct(50):6.1f} ms  p95 {self.pct(95):6.1f} ms  p99 {self.pct(99):6.1f} ms  "
            f"CPU {self.cpu / len(self.latencies) * 1000:5.1f} ms/Update  (n={len(self.latencies)})"
        )


@dataclass
class Driver:
    """One kind of concurrent client: what it sets up before the clock starts (a workflow to
    update, cases registered and readable), the Updates it sends while the clock runs, and what
    it tidies after. Only task completions are timed: a case's registration is not one."""

    prepare: Callable[[], Awaitable[Any]]
    run: Callable[[Any], Awaitable[list[float]]]
    finish: Callable[[Any], Awaitable[None]]


async def measure(name: str, concurrency: int, driver: Driver) -> Result:
    prepared = await asyncio.gather(*(driver.prepare() for _ in range(concurrency)))
    started, cpu = time.perf_counter(), time.process_time()
    runs = await asyncio.gather(*(driver.run(setup) for setup in prepared))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await asyncio.gather(*(driver.finish(setup) for setup in prepared))
    return Result(name, concurrency, [lat for run in runs for lat in run], elapsed, cpu)


async def timed(call: Awaitable[Any]) -> float:
    started = time.perf_counter()
    await call
    return time.perf_counter() - started


def bare_client(
    client: Client, updates: int, write: BareWrite, commands: CaseCommands | None = None
) -> Driver:
    async def prepare() -> WorkflowHandle[Any, Any]:
        return await client.start_workflow(
            BenchBare.run,
            args=[write, commands],
            id=f"bare-{uuid.uuid4().hex[:8]}",
            task_queue=BARE_QUEUE,
        )

    async def run(handle: WorkflowHandle[Any, Any]) -> list[float]:
        return [await timed(handle.execute_update(BenchBare.bump)) for _ in range(updates)]

    async def finish(handle: WorkflowHandle[Any, Any]) -> None:
        await handle.signal(BenchBare.finish)

    return Driver(prepare, run, finish)


Script = list[tuple[str, CompleteTask]]


async def probe_script(client: Client, queue: str = CASE_QUEUE) -> Script:
    """The task completions of one case from intake to nazorg, as (task suffix, request).

    Task ids are the case number plus a counter, so the same script drives every case
    without a query between Updates."""
    script: Script = []
    case = await CaseDriver.start(client, load_policy(), queue)
    original = case.handle.execute_update

    async def recording(update: Any, request: Any, **kw: Any) -> Any:
        if isinstance(request, CompleteTask):
            suffix = request.task_id.removeprefix(case.case_id)
            script.append((suffix, request))
        return await original(update, request, **kw)

    case.handle.execute_update = recording  # type: ignore[method-assign,assignment]
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])
    return script


def case_client(
    client: Client,
    script: Script,
    cases: int,
    api: ApiCaller | None = None,
    queue: str = CASE_QUEUE,
) -> Driver:
    async def prepare() -> list[CaseDriver]:
        """Registered cases whose first task is open (and readable, as registration awaits)."""
        started: list[CaseDriver] = []
        for _ in range(cases):
            case = await CaseDriver.start(
                client, load_policy(), queue, store=api.engine if api else None
            )
            await case.open_task(TaskType.ontvangstbevestiging)
            if api is not None:
                await api.readable(case.case_id + script[0][0])
            started.append(case)
        return started

    async def run(started: list[CaseDriver]) -> list[float]:
        latencies: list[float] = []
        for case in started:
            for suffix, request in script:
                req = request.model_copy(update={"task_id": case.case_id + suffix})
                latencies.append(await timed(retried(partial(send, case, req))))
        return latencies

    async def send(case: CaseDriver, request: CompleteTask) -> None:
        if api is not None:
            await api.complete(request)
        else:
            await case.handle.execute_update(CaseWorkflow.complete_task, request)

    async def finish(_started: list[CaseDriver]) -> None:
        pass

    return Driver(prepare, run, finish)


FAILED_STATE = "Workflow Task in failed state"


async def retried(call: Callable[[], Awaitable[Any]]) -> Any:
    """The call, again while Temporal refuses it because the case's last workflow task timed
    out (a heavily loaded machine); the latency counts the wait, as a user's would."""
    while True:
        try:
            return await call()
        except (RPCError, RuntimeError) as exc:
            if FAILED_STATE not in str(exc):
                raise
            await asyncio.sleep(0.5)


class ApiCaller:
    """POST /tasks/{id}/complete on the app, with a token for the actor of each request."""

    def __init__(self, client: Client, engine: Engine) -> None:
        data_dir = Path(tempfile.mkdtemp(prefix="sg989-bench-api-"))
        self.settings = Settings(
            data_dir=data_dir,
            task_queue=CASE_QUEUE,
            local_signing_key_file=data_dir / "signing-key.pem",
            payload_keys=SecretStr(BENCH_KEYS),
        )
        self.engine = engine

        async def provider() -> Client:
            return client

        self.app = create_app(self.settings, engine, provider)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://sg989"
        )
        self.tokens: dict[str, str] = {}

    def _token(self, actor: Actor) -> str:
        if actor.sub not in self.tokens:
            self.tokens[actor.sub] = issue_local_token(
                self.settings, sub=actor.sub, name=actor.name, roles=actor.roles, units=actor.units
            )
        return self.tokens[actor.sub]

    async def readable(self, task_id: str) -> None:
        while True:
            with Session(self.engine) as session:
                if session.get(StoreTask, task_id) is not None:
                    return
            await asyncio.sleep(0.01)

    async def complete(self, request: CompleteTask) -> None:
        status, body = await asgi_post(
            self.app,
            f"/tasks/{request.task_id}/complete",
            json.dumps(request.payload).encode(),
            token=self._token(request.actor),
        )
        if status != 200:
            raise RuntimeError(f"{request.task_id}: {status} {body.decode(errors='replace')}")


async def asgi_post(app: Any, path: str, body: bytes, *, token: str) -> tuple[int, bytes]:
    """One JSON POST to the ASGI app, with the scope and messages uvicorn would give it."""
    headers = [
        (b"host", b"sg989"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"authorization", f"Bearer {token}".encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("sg989", 80),
    }
    answered = asyncio.Event()
    delivered = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await answered.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def throughput(
    env: WorkflowEnvironment, engine: Engine, rounds: int, levels: tuple[int, ...], repeats: int
) -> None:
    client = env.client
    writer = RowWriter(engine)
    bare_worker = Worker(
        client,
        task_queue=BARE_QUEUE,
        workflows=[BenchBare],
        activities=[writer.write_row],
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )
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
            results: dict[str, list[Result]] = {name: [] for name in clients}
            for _ in range(repeats):
                for name, driver in clients.items():
                    results[name].append(await measure(name, level, driver))
            summed = {name: Result.sum(runs) for name, runs in results.items()}
            for result in summed.values():
                print(result.line())
            bare, one = summed["bare"], summed["bare + activity"]
            for name in ("sg989", "sg989 API"):
                ours = summed[name]
                print(
                    f"  ratios c={level}: {name}/bare+activity "
                    f"{ours.per_second / one.per_second:.2f} (target >= 0.7), {name}/bare "
                    f"{ours.per_second / bare.per_second:.2f}"
                    + (" (target >= 0.5)" if level == 1 else "")
                )
            print()


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
    if only in ("all", "throughput", "phases", "gap"):
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
            await throughput(env, engine, rounds, levels, repeats)


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
        choices=("all", "history", "throughput", "memory", "phases", "gap"),
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
