"""The worker's observability: log context per activity, and Temporal's SDK metrics.

Every log line an activity writes (in its thread too) carries the case number, workflow id and run
id. The SDK's own metrics (task latencies, poll failures, cache size, schedule-to-start) are served
by Temporal's Rust core in Prometheus format on SG989_WORKER_METRICS_ADDRESS.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from sg989.logging import bound, case_fields


class _ActivityLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        fields = case_fields(info.workflow_id, info.workflow_run_id, info.workflow_type)
        with bound(activity_type=info.activity_type, **fields):
            return await self.next.execute_activity(input)


class LogContextInterceptor(Interceptor):
    """Binds case_id, workflow_id, run_id and activity_type to an activity's log lines."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogContext(next)


def install_sdk_metrics(bind_address: str) -> Runtime:
    """Make a runtime with a Prometheus endpoint the default, before any client connects."""
    runtime = Runtime(
        telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address))
    )
    Runtime.set_default(runtime, error_if_already_set=True)
    return runtime
