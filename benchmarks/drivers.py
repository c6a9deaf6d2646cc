"""How the write benchmarks drive Updates and time them: the bare workflow's client, a case's
completions through the workflow client or the API (a ``Completer``), and ``Result``, the
figures of one kind of Update at one concurrency (Updates/s, latency percentiles, CPU)."""

from __future__ import annotations

import asyncio
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.worker import Worker

import store.models  # noqa: F401  (registers the tables)
from api.tokens import issue_local_token
from benchmarks.bare import BareWrite, BenchBare, CaseCommands, RowWriter
from domain.case import Actor
from domain.phases import TaskType
from domain.requests import CompleteTask
from sg989.policy_files import load_policy
from sg989.settings import Settings
from store.models import Task as StoreTask
from tests.workflows.driver import CaseDriver
from tests.workflows.test_paths import drive_to_afdoening, finish_afdoening
from workflows.case import CaseWorkflow

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


async def compare(
    level: int, drivers: dict[str, Driver], repeats: int, *, ours: list[str], cpu: str = "CPU"
) -> None:
    """Each kind in turn, ``repeats`` times, then their figures summed over the repeats and the
    ratios of ``ours`` to both baselines, against the issue's targets."""
    results: dict[str, list[Result]] = {name: [] for name in drivers}
    for _ in range(repeats):
        for name, driver in drivers.items():
            results[name].append(await measure(name, level, driver))
    summed = {name: Result.sum(runs) for name, runs in results.items()}
    for result in summed.values():
        print(result.line().replace("CPU", cpu))
    bare, one = summed["bare"].per_second, summed["bare + activity"].per_second
    for name in ours:
        rate = summed[name].per_second
        print(
            f"  ratios c={level}: {name}/bare+activity {rate / one:.2f} (target >= 0.7), "
            f"{name}/bare {rate / bare:.2f}" + (" (target >= 0.5)" if level == 1 else "")
        )
    print()


def baselines_worker(client: Client, engine: Engine, threads: int = 8) -> Worker:
    """The bare workflow's worker, with the one-row insert of "bare + activity"."""
    return Worker(
        client,
        task_queue=BARE_QUEUE,
        workflows=[BenchBare],
        activities=[RowWriter(engine).write_row],
        activity_executor=ThreadPoolExecutor(max_workers=threads),
    )


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


class Completer(ABC):
    """How a case's completions reach the API: in this process (``ApiCaller``) or over HTTP
    (``HttpCaller``); a token per actor, signed with the key the API trusts."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings, self.engine = settings, engine
        self.tokens: dict[str, str] = {}

    def token(self, actor: Actor) -> str:
        if actor.sub not in self.tokens:
            self.tokens[actor.sub] = issue_local_token(
                self.settings, sub=actor.sub, name=actor.name, roles=actor.roles, units=actor.units
            )
        return self.tokens[actor.sub]

    async def readable(self, task_id: str) -> None:
        """Returns once the task is in the store, as registration's answer promises."""
        while True:
            with Session(self.engine) as session:
                if session.get(StoreTask, task_id) is not None:
                    return
            await asyncio.sleep(0.01)

    @abstractmethod
    async def complete(self, request: CompleteTask) -> None: ...


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
    api: Completer | None = None,
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
