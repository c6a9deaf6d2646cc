"""Where the milliseconds of one task completion go at concurrency 1, beside a bare Update.

`python -m benchmarks.bench_writes --only phases [--rounds N]`: one dev server (in memory), the
sg989 worker and the bare worker in this process, one Update at a time. Each Update is cut
into phases by timestamps the worker takes (hooks on the SDK's private activation handler and
on the store activity, installed for this measurement only):

- dispatch:     the client's call until the worker starts the first activation (client to
                server, the server's workflow task to the worker's sticky poll);
- activation 1: that activation in the worker: decoding, the workflow code, encoding;
- to write:     until the store write (the local activity) starts in its thread;
- store write:  `record_step`, its commit (the fsync) separately;
- to act. 2:    until the activation that resolves the local activity starts;
- activation 2: that activation, up to handing its completion to the SDK's core;
- completion:   the core's workflow-task completion: RespondWorkflowTaskCompleted to the server;
- answer:       from there until the client has the result (negative: the client had it first).
Each Update is followed by a 20 ms pause, so that the worker's last marks are in.
The bare Update has one activation and no store write. CPU is the thread's own time
(`time.thread_time`); on a loaded machine the wall time of a phase exceeds it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial, wraps
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client

Mark = tuple[float, str, float]  # (perf_counter, what, cpu seconds)


class Timeline:
    def __init__(self) -> None:
        self.marks: list[Mark] = []

    def mark(self, what: str, cpu: float = 0.0) -> None:
        self.marks.append((time.perf_counter(), what, cpu))

    def first(self, what: str, after: float = 0.0) -> Mark | None:
        return next((m for m in self.marks if m[1] == what and m[0] >= after), None)

    def all(self, what: str) -> list[Mark]:
        return [m for m in self.marks if m[1] == what]


@contextmanager
def hooked(timeline: Timeline) -> Iterator[None]:
    """Timestamps from the worker: activations, their completion, the store write."""
    import temporalio.bridge.worker as bridge
    import temporalio.worker._workflow as sdk_workflow

    import activities.record as record
    import store.db

    originals: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = getattr(owner, name)
        originals.append((owner, name, original))
        setattr(owner, name, make(original))

    def handle(original: Any) -> Any:
        async def timed(self: Any, act: Any) -> None:
            timeline.mark("activation_start")
            await original(self, act)

        return timed

    def activate(original: Any) -> Any:
        def timed(self: Any, act: Any) -> Any:
            cpu = time.thread_time()
            result = original(self, act)
            timeline.mark("activated", time.thread_time() - cpu)
            return result

        return timed

    def complete(original: Any) -> Any:
        async def timed(self: Any, completion: Any) -> Any:
            timeline.mark("completing")
            result = await original(self, completion)
            timeline.mark("completed")
            return result

        return timed

    def record_step(original: Any) -> Any:
        @wraps(original)
        def timed(self: Any, step: Any) -> Any:
            cpu = time.thread_time()
            timeline.mark("write_start")
            result = original(self, step)
            timeline.mark("write_end", time.thread_time() - cpu)
            return result

        return timed

    def commit(original: Any) -> Any:
        def timed(self: Any) -> None:
            started = time.perf_counter()
            original(self)
            timeline.mark("commit", time.perf_counter() - started)

        return timed

    patch(sdk_workflow._WorkflowWorker, "_handle_activation", handle)
    patch(sdk_workflow._RunningWorkflow, "activate", activate)
    patch(bridge.Worker, "complete_workflow_activation", complete)
    patch(record.StoreActivities, "record_step", record_step)
    patch(store.db.Session, "commit", commit)
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)


def phases_of(timeline: Timeline, sent: float, answered: float) -> dict[str, float] | None:
    """Milliseconds per phase of one Update, or None if its marks are not all there."""
    ms = 1000.0
    start1 = timeline.first("activation_start", sent)
    if start1 is None:
        return None
    out: dict[str, float] = {"total": (answered - sent) * ms, "dispatch": (start1[0] - sent) * ms}
    write = timeline.first("write_start", start1[0])
    completions = [m for m in timeline.all("completing") if m[0] >= start1[0]]
    done = [m for m in timeline.all("completed") if m[0] >= start1[0]]
    activated = [m for m in timeline.all("activated") if m[0] >= start1[0]]
    if write is None:  # the bare Update: one activation, its completion is the round trip
        if not (completions and done and activated):
            return None
        out["activation 1"] = (completions[0][0] - start1[0]) * ms
        out["  its CPU"] = activated[0][2] * ms
        out["completion"] = (done[0][0] - completions[0][0]) * ms
        out["answer"] = (answered - done[0][0]) * ms
        return out
    write_end = timeline.first("write_end", write[0])
    start2 = timeline.first("activation_start", write_end[0] if write_end else answered)
    if write_end is None or start2 is None or len(completions) < 2 or len(activated) < 2:
        return None
    last_completing = next(m for m in completions if m[0] >= start2[0])
    last_done = next(m for m in done if m[0] >= last_completing[0])
    commits = [m for m in timeline.all("commit") if write[0] <= m[0] <= write_end[0]]
    out["activation 1"] = (completions[0][0] - start1[0]) * ms
    out["  its CPU"] = activated[0][2] * ms
    out["to write"] = (write[0] - completions[0][0]) * ms
    out["store write"] = (write_end[0] - write[0]) * ms
    out["  write CPU"] = write_end[2] * ms
    out["  commit"] = sum(m[2] for m in commits) * ms
    out["to act. 2"] = (start2[0] - write_end[0]) * ms
    out["activation 2"] = (last_completing[0] - start2[0]) * ms
    out["completion"] = (last_done[0] - last_completing[0]) * ms
    out["answer"] = (answered - last_done[0]) * ms
    return out


async def phases(client: Client, engine: Engine, cases: int) -> None:
    """Prints the p50 of each phase for sg989's task completion and for a bare Update."""

    from benchmarks.bare import BareWrite, BenchBare
    from benchmarks.drivers import BARE_QUEUE, CASE_QUEUE, baselines_worker, probe_script
    from domain.phases import TaskType
    from sg989 import collector
    from sg989.policy_files import load_policy
    from sg989.settings import Settings
    from sg989.worker import build_worker
    from tests.workflows.driver import CaseDriver
    from workflows.case import CaseWorkflow

    timeline = Timeline()
    ours: dict[str, list[float]] = defaultdict(list)
    bare: dict[str, list[float]] = defaultdict(list)
    setup: list[float] = []
    bare_worker = baselines_worker(client, engine, threads=2)
    with hooked(timeline):
        async with bare_worker, build_worker(client, engine, CASE_QUEUE):
            script = await probe_script(client)
            collector.settle(Settings().gc_young_threshold)  # as `sg989 up` does once started
            handle = await client.start_workflow(
                BenchBare.run,
                BareWrite.none,
                id=f"bare-phases-{time.time_ns()}",
                task_queue=BARE_QUEUE,
            )
            for _ in range(cases):
                started = time.perf_counter()
                case = await CaseDriver.start(client, load_policy(), CASE_QUEUE)
                await case.open_task(TaskType.ontvangstbevestiging)
                setup.append((time.perf_counter() - started) * 1000)
                for suffix, request in script:
                    req = request.model_copy(update={"task_id": case.case_id + suffix})
                    calls: list[tuple[Callable[[], Awaitable[Any]], dict[str, list[float]]]] = [
                        (
                            partial(case.handle.execute_update, CaseWorkflow.complete_task, req),
                            ours,
                        ),
                        (partial(handle.execute_update, BenchBare.bump), bare),
                    ]
                    for call, into in calls:  # interleaved: a load change hits both alike
                        timeline.marks.clear()
                        sent = time.perf_counter()
                        await call()
                        answered = time.perf_counter()
                        await asyncio.sleep(0.02)  # the worker's last marks may come after
                        found = phases_of(timeline, sent, answered)
                        for phase, value in (found or {}).items():
                            into[phase].append(value)
            await handle.signal(BenchBare.finish)
    print(f"task completion at concurrency 1, {cases} cases x {len(script)} completions")
    print(f"{'phase (p50 ms)':16} {'sg989':>8} {'bare':>8}")
    for phase in ours:
        mine = statistics.median(ours[phase])
        theirs = f"{statistics.median(bare[phase]):8.1f}" if phase in bare else f"{'':8}"
        print(f"{phase:16} {mine:8.1f} {theirs}")
    total, bare_total = statistics.median(ours["total"]), statistics.median(bare["total"])
    print(
        f"p50 ratio bare/sg989 {bare_total / total:.2f} (each case's start, "
        f"{statistics.median(setup):.0f} ms p50 per case of {len(script)} completions, is not "
        "timed, here nor in the throughput part)"
    )
