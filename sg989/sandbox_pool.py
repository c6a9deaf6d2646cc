"""Sandboxes made ready while the worker is idle, so that loading a case need not wait for them.

Loading a case (a new one, or one evicted from the cache) gives it a sandbox of its own: a fresh
importer that imports the workflow modules anew, running ``@workflow.defn`` on ``CaseWorkflow``
again. That import is most of what creating the instance costs, about as much as a whole Update
on a cached case, and it depends only on the workflow class, never on the case. A background
thread imports them into spare sandboxes (``DEPTH`` per workflow class the worker has loaded)
whenever no activation and no activity has run for ``QUIET`` seconds (``BusyActivities`` tells
it of activities: a store write it would slow down is part of an Update too), and at once when
the SDK's core evicts a case because its cache is full (``load_coming``): a case is then being
loaded, and the core fetches that case's history before the worker sees it. A case being
loaded takes one, waiting for the one being prepared if none is ready, and only creates its
workflow instance in it. Each sandbox serves one case, as the SDK's would, with the same
restrictions; only when its imports ran differs. With none ready and none being prepared (a
burst of loads) the case imports its own, as before.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

import structlog
import temporalio.workflow
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor
from temporalio.worker.workflow_sandbox import SandboxRestrictions
from temporalio.worker.workflow_sandbox._importer import Importer
from temporalio.worker.workflow_sandbox._restrictions import RestrictionContext

log = structlog.get_logger(__name__)

DEPTH = 2  # spare sandboxes per workflow class; 0 turns the pool off
QUIET = 0.05  # seconds without an activation or activity before the thread prepares one
# How long a case being loaded waits for the sandbox the thread is preparing, at most: the rest
# of one preparation (about 10 ms) is less than a whole one of its own beside the thread's.
AWAIT_PREPARING = 0.25


@dataclass(frozen=True)
class Kind:
    """What a sandbox is prepared for: the workflow class and the runner it runs under."""

    module: str
    cls: str
    runner_class: type


@dataclass
class Prepared:
    """A sandbox whose workflow modules are imported and in which no workflow has run."""

    importer: Importer
    scope: dict[str, Any]


@functools.cache
def import_code(kind: Kind) -> CodeType:
    """The SDK's first step of creating an instance: import the workflow and runner classes."""
    source = (
        "with __temporal_importer.applied():\n"
        f"  from {kind.module} import {kind.cls} as __temporal_workflow_class\n"
        f"  from {kind.runner_class.__module__} import {kind.runner_class.__name__}"
        " as __temporal_runner_class\n"
    )
    return compile(source, "workflow_sandbox.py", "exec")


def prepare(kind: Kind, restrictions: SandboxRestrictions) -> Prepared:
    """Imports the workflow modules into a new sandbox, as ``_Instance._create_instance`` does."""
    importer = Importer(restrictions, RestrictionContext(), workflow_module_name=kind.module)
    scope: dict[str, Any] = {"__file__": "workflow_sandbox.py", "__temporal_importer": importer}
    try:
        temporalio.workflow.unsafe._set_in_sandbox(True)
        exec(import_code(kind), scope, scope)
    finally:
        temporalio.workflow.unsafe._set_in_sandbox(False)
        scope.pop("__temporal_importer", None)
    return Prepared(importer, scope)


@dataclass
class SandboxPool:
    depth: int = DEPTH
    quiet: float = QUIET
    _ready: dict[Kind, list[Prepared]] = field(default_factory=dict)
    _restrictions: dict[Kind, SandboxRestrictions] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _busy: int = 0
    _last_busy: float = 0.0
    _urgent: bool = False
    _preparing: Kind | None = None
    _thread: threading.Thread | None = None

    def take(self, kind: Kind, restrictions: SandboxRestrictions) -> Prepared | None:
        """A ready sandbox for ``kind`` under ``restrictions``, or None; either way the thread
        keeps ``depth`` of them ready from now on."""
        if self.depth <= 0:
            return None
        with self._changed:
            known = self._restrictions.get(kind)
            if known is None or (known is not restrictions and known != restrictions):
                self._restrictions[kind], self._ready[kind] = restrictions, []
            ready = self._ready[kind]
            if not ready and self._preparing == kind:
                self._changed.wait_for(
                    lambda: bool(ready) or self._preparing != kind, AWAIT_PREPARING
                )
            prepared = ready.pop(0) if ready else None
            self._start()
            self._changed.notify()
        return prepared

    def load_coming(self) -> None:
        """A case is about to be loaded (the core evicts another to make room): the thread
        prepares a sandbox at once, even beside the eviction, without waiting for an idle
        moment."""
        with self._changed:
            if self._short():
                self._urgent = True
                self._changed.notify_all()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Marks an activation or activity running: the thread prepares nothing meanwhile."""
        with self._changed:
            self._busy += 1
        try:
            yield
        finally:
            with self._changed:
                self._busy -= 1
                self._last_busy = time.monotonic()
                if not self._busy and self._short():  # else the thread has nothing to do
                    self._changed.notify_all()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._fill_forever, name="sg989-sandbox-pool", daemon=True
            )
            self._thread.start()

    def _fill_forever(self) -> None:
        while True:
            kind, restrictions = self._next_wanted()
            try:
                prepared = prepare(kind, restrictions)
            except Exception:  # the case that loads next imports its own and meets the error
                log.exception("sandbox_not_prepared", workflow=kind.cls)
                with self._changed:
                    self._ready.pop(kind, None)
                    self._restrictions.pop(kind, None)
                    self._preparing = None
                    self._changed.notify_all()
                continue
            with self._changed:
                if self._restrictions.get(kind) is restrictions:
                    self._ready[kind].append(prepared)
                self._preparing = None
                self._changed.notify_all()

    def ready(self, kind: Kind) -> int:
        with self._changed:
            return len(self._ready.get(kind, ()))

    def _short(self) -> list[Kind]:
        return [kind for kind, ready in self._ready.items() if len(ready) < self.depth]

    def _next_wanted(self) -> tuple[Kind, SandboxRestrictions]:
        """Blocks until a kind is short of sandboxes and the worker was idle for ``quiet``, or
        a load is coming."""
        with self._changed:
            while True:
                short = self._short()
                idle_for = time.monotonic() - self._last_busy
                if short and (self._urgent or (not self._busy and idle_for >= self.quiet)):
                    self._urgent, self._preparing = False, short[0]
                    return short[0], self._restrictions[short[0]]
                if short and not self._busy:
                    self._changed.wait(self.quiet - idle_for)
                else:
                    self._changed.wait()


POOL = SandboxPool()


class _BusyActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        with POOL.busy():
            return await self.next.execute_activity(input)


class BusyActivities(Interceptor):
    """Tells the pool while an activity (a store write, a mail) runs on this worker."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _BusyActivity(next)
