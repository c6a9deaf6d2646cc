"""The worker: CaseWorkflow plus the store activities on one task queue."""

from __future__ import annotations

import compileall
import functools
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.imports import ImportActivities
from activities.notify import NotificationActivities
from activities.record import StoreActivities
from sg989 import payload_walk
from sg989.sandbox import LEAN_SUPPORTED, LeanSandboxedWorkflowRunner
from sg989.sandbox_pool import POOL, BusyActivities
from sg989.settings import Settings, get_settings
from sg989.telemetry import LogContextInterceptor
from workflows.case import CaseWorkflow
from workflows.dispatcher import NotificationDispatcher
from workflows.imports import ImportWorkflow
from workflows.stall_guard import StalledCaseGuard

# domain is pure (no I/O, no clock): loading it once for all workflow runs is safe.
PASSTHROUGH_MODULES = ("domain",)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox every CaseWorkflow runs in; the replay test uses the same one."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    runner = LeanSandboxedWorkflowRunner if LEAN_SUPPORTED else SandboxedWorkflowRunner
    return runner(restrictions=restrictions)


def compile_workflow_modules() -> None:
    """Bytecode for the modules the sandbox imports anew for every case it loads.

    Loading a case (a new one, or one evicted from the cache) re-imports the workflow modules
    in a fresh sandbox. Without bytecode on disk (PYTHONDONTWRITEBYTECODE, a fresh checkout)
    each such import compiles them from source, which made an Update on an evicted case cost
    several cached ones. A tree that cannot be written keeps whatever bytecode it has.
    """
    import workflows

    compileall.compile_dir(Path(workflows.__file__).parent, quiet=2)


@functools.cache  # the code does not change while the process runs; tests build many workers
def workflow_build_id() -> str:
    """The worker's build id: sg989- and a short hash of the workflow and domain code.

    Stamped on every workflow task in a case's history, it tells which code decided; the SDK's
    default is a 32-character hash of every loaded module, written twice per workflow task."""
    import domain
    import workflows

    digest = hashlib.sha256()
    for package in (domain, workflows):
        for source in sorted(Path(package.__path__[0]).rglob("*.py")):
            digest.update(source.read_bytes())
    return f"sg989-{digest.hexdigest()[:8]}"


def build_worker(
    client: Client, engine: Engine, task_queue: str, settings: Settings | None = None
) -> Worker:
    settings = settings or get_settings()
    compile_workflow_modules()
    payload_walk.install()
    POOL.depth = settings.worker_sandbox_pool
    store = StoreActivities(engine)
    notify = NotificationActivities(engine, settings)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CaseWorkflow, NotificationDispatcher, ImportWorkflow],
        # record_transition: runs started before one write per step still use it.
        activities=[
            store.record_step,
            store.record_transition,
            notify.dispatch_notifications,
            ImportActivities(engine).run_import,
        ],
        activity_executor=ThreadPoolExecutor(max_workers=8),
        # Cached cases answer an Update from memory; the rest replay their (short) history.
        max_cached_workflows=settings.worker_max_cached_workflows,
        build_id=workflow_build_id(),
        workflow_runner=workflow_runner(),
        interceptors=[StalledCaseGuard(), LogContextInterceptor(), BusyActivities()],
    )
