"""Issue 9: a case on the full investigation path keeps a small history (under 100 KB).

Measured on the real dev server, as the benchmark (`bench_writes --only history`) does: the size
Temporal itself counts and the history as JSON, fetched with the CLI."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from benchmarks.history_size import full_path_with_bezwaar, measure
from domain.policy import DeadlinePolicy
from tests.workflows.driver import CaseDriver

LIMIT = 100 * 1024


async def test_a_case_on_the_full_path_keeps_its_history_under_100_kb(
    dev_worker: WorkflowEnvironment, policy: DeadlinePolicy, task_queue: str
) -> None:
    case = await CaseDriver.start(dev_worker.client, policy, task_queue)
    await full_path_with_bezwaar(case)

    size = await measure(dev_worker.client, case.case_id, "dev server", "full path, bezwaar")

    assert 0 < size.temporal_bytes < LIMIT, size.report()
    assert size.json_bytes < LIMIT, size.report()
    completions = size.count("workflow_execution_update_completed_event_attributes")
    assert completions == 21
    assert size.count("activity_task_scheduled_event_attributes") == 0
    assert (
        size.local_activities <= completions + 1
    )  # one store write per Update, and registration's
