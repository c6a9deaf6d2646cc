"""ImportWorkflow: one large legacy import, off the API's event loop, with progress in the store."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

RUN_IMPORT = "run_import"


@workflow.defn(name="ImportWorkflow")
class ImportWorkflow:
    @workflow.run
    async def run(self, job_id: str) -> str:
        """The job's final status: imported, already_imported or rejected."""
        status: str = await workflow.execute_activity(
            RUN_IMPORT,
            job_id,
            start_to_close_timeout=timedelta(hours=1),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
        return status
