"""The worker's observability: log context per activity, and Temporal's SDK metrics.

Every log line an activity writes (in its thread too) carries the case number, workflow id and run
id. The SDK's own metrics (task latencies, poll failures, cache size, schedule-to-start) are served
by Temporal's Rust core in Prometheus format on SG989_WORKER_METRICS_ADDRESS.
"""

from __future__ import annotations

import logging
from typing import Any

from temporalio import activity
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
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


def install_runtime(metrics_address: str = "") -> Runtime:
    """The Temporal runtime of this process; set before any client connects.

    The SDK core's own log lines (Rust) are forwarded to Python logging ("temporalio.core"), so
    they come out in SG989_LOG_FORMAT like every other line instead of as coloured text on stdout.
    With an address, the core also serves its metrics there in Prometheus format.
    """
    logging_config = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )
    metrics = PrometheusConfig(bind_address=metrics_address) if metrics_address else None
    runtime = Runtime(telemetry=TelemetryConfig(logging=logging_config, metrics=metrics))
    Runtime.set_default(runtime, error_if_already_set=False)
    return runtime
