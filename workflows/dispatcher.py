"""NotificationDispatcher: keeps one heartbeating delivery activity running, for ever.

One per task queue (a fixed workflow id), started by the worker process. The activity does the
work; this workflow only restarts it after a crash (heartbeat timeout) and continues as new.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy

with workflow.unsafe.imports_passed_through():
    from domain.notifications import DispatcherInput

DISPATCH_NOTIFICATIONS = "dispatch_notifications"
DISPATCH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)


@workflow.defn(name="NotificationDispatcher")
class NotificationDispatcher:
    @workflow.run
    async def run(self, cfg: DispatcherInput) -> None:
        for _ in range(cfg.rounds_before_continue):
            await workflow.execute_activity(
                DISPATCH_NOTIFICATIONS,
                cfg,
                start_to_close_timeout=timedelta(seconds=cfg.run_seconds + 120),
                heartbeat_timeout=timedelta(seconds=cfg.heartbeat_seconds),
                retry_policy=DISPATCH_RETRY,
            )
        workflow.continue_as_new(cfg)


def dispatcher_id(task_queue: str) -> str:
    return f"notification-dispatcher-{task_queue}"


async def ensure_dispatcher(
    client: Client, task_queue: str, cfg: DispatcherInput | None = None
) -> None:
    """Start the dispatcher of ``task_queue`` unless it already runs (safe on every start)."""
    await client.start_workflow(
        NotificationDispatcher.run,
        cfg or DispatcherInput(),
        id=dispatcher_id(task_queue),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
