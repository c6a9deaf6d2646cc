"""Running cases must survive deploys: the current CaseWorkflow replays every stored history.

A failure here means a change would break cases already in flight: guard the new behaviour
with `workflow.patched(...)` instead of changing what old histories did.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from domain.phases import Phase
from domain.requests import StartCase, UpdateResult
from sg989.worker import workflow_runner
from tests.conftest import TEST_CONVERTER
from workflows.case import CaseWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    workflow_id = json.loads(path.read_text())["events"][0][
        "workflowExecutionStartedEventAttributes"
    ]
    return WorkflowHistory.from_json(workflow_id.get("workflowId", path.stem), path.read_text())


def replayer(*workflows: type, sandboxed: bool = True) -> Replayer:
    return Replayer(
        workflows=list(workflows),
        workflow_runner=workflow_runner() if sandboxed else UnsandboxedWorkflowRunner(),
        data_converter=TEST_CONVERTER,
    )


def test_histories_are_stored() -> None:
    assert len(HISTORIES) >= 6


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_current_workflow_replays_stored_history(path: Path) -> None:
    result = await replayer(CaseWorkflow).replay_workflow(load(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


@workflow.defn(name="CaseWorkflow")
class ReorderedCaseWorkflow(CaseWorkflow):
    """An incompatible change: a pause before the intake that old histories never had."""

    @workflow.run
    async def run(self, start: StartCase) -> UpdateResult:
        return await super().run(start)

    async def intake(self) -> Phase:
        await workflow.sleep(timedelta(seconds=1))
        return await super().intake()


async def test_replay_catches_an_incompatible_change() -> None:
    path = next(p for p in HISTORIES if p.stem == "withdrawn")
    # Defined in a test module, so it runs unsandboxed; the check is the same.
    result = await replayer(ReorderedCaseWorkflow, sandboxed=False).replay_workflow(
        load(path), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
