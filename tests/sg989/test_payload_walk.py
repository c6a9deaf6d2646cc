"""One walk over an activation's payloads gives what the SDK's three walks give."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import temporalio.bridge.worker as bridge_worker
from sqlalchemy.engine import Engine
from temporalio.api.common.v1 import Payload
from temporalio.bridge._visitor import PayloadVisitor, VisitorFunctions
from temporalio.bridge.proto.activity_result import ActivityResolution, Success
from temporalio.bridge.proto.workflow_activation import (
    DoUpdate,
    ResolveActivity,
    WorkflowActivation,
    WorkflowActivationJob,
)
from temporalio.bridge.proto.workflow_commands import (
    ScheduleLocalActivity,
    UpdateResponse,
    WorkflowCommand,
)
from temporalio.bridge.proto.workflow_completion import (
    Success as CompletionSuccess,
)
from temporalio.bridge.proto.workflow_completion import (
    WorkflowActivationCompletion,
)
from temporalio.converter import (
    DataConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)
from temporalio.testing import WorkflowEnvironment

from sg989 import payload_walk
from sg989.policy_files import load_policy
from sg989.worker import build_worker
from tests.workflows.driver import CaseDriver
from tests.workflows.test_encrypted_history import raw_text


class Reversing(PayloadCodec):
    """Deterministic, so the two paths' outputs can be compared byte for byte."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [Payload(metadata={"encoding": b"reversed"}, data=p.data[::-1]) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [Payload(metadata={"encoding": b"json/plain"}, data=p.data[::-1]) for p in payloads]


class PerWorkflow(Reversing, WithSerializationContext):
    """A codec the SDK gives each workflow's context (as it checks: by subclass)."""

    def with_context(self, context: SerializationContext) -> PerWorkflow:
        return self


def payload(text: str, encoding: bytes = b"json/plain") -> Payload:
    return Payload(metadata={"encoding": encoding}, data=text.encode())


def activation() -> WorkflowActivation:
    update = DoUpdate(id="u1", name="complete_task", input=[payload('{"a":1}'), payload("[2]")])
    update.headers["h"].CopyFrom(payload('"header"'))
    resolved = ResolveActivity(
        seq=3, result=ActivityResolution(completed=Success(result=payload('"done"')))
    )
    return WorkflowActivation(
        run_id="r",
        jobs=[
            WorkflowActivationJob(do_update=update),
            WorkflowActivationJob(resolve_activity=resolved),
        ],
    )


def completion(in_marker: bool = False) -> WorkflowActivationCompletion:
    schedule = ScheduleLocalActivity(
        seq=4, activity_type="record_step", include_arguments_in_marker=in_marker
    )
    schedule.arguments.append(payload('{"step":1}'))
    schedule.headers["h"].CopyFrom(payload('"header"'))
    answer = UpdateResponse(protocol_instance_id="u1", completed=payload('{"seq":9}'))
    commands = [
        WorkflowCommand(schedule_local_activity=schedule),
        WorkflowCommand(update_response=answer),
    ]
    return WorkflowActivationCompletion(run_id="r", successful=CompletionSuccess(commands=commands))


@pytest.mark.parametrize("headers", [True, False])
async def test_one_walk_decodes_and_encodes_exactly_as_the_sdk_does(headers: bool) -> None:
    converter = DataConverter(payload_codec=Reversing())
    ours, sdks = activation(), activation()
    await payload_walk.decode_activation(ours, converter, headers, 1)
    await payload_walk.SDK_DECODE(sdks, converter, headers, 1)
    assert ours == sdks
    assert ours != activation()  # the codec really ran

    ours_done, sdks_done = completion(in_marker=True), completion(in_marker=True)
    await payload_walk.encode_completion(ours_done, converter, headers, 1)
    await payload_walk.SDK_ENCODE(sdks_done, converter, headers, 1)
    assert ours_done == sdks_done
    assert ours_done != completion(in_marker=True)


def local_arguments(done: WorkflowActivationCompletion) -> list[Payload]:
    return list(done.successful.commands[0].schedule_local_activity.arguments)


@pytest.mark.parametrize("headers", [True, False])
async def test_a_local_activitys_arguments_stay_in_the_worker_unsealed(headers: bool) -> None:
    """They never reach the server (the marker holds the result), so sealing them only cost
    CPU; everything else in the completion is encoded as the SDK encodes it."""
    converter = DataConverter(payload_codec=Reversing())
    ours, sdks = completion(), completion()
    await payload_walk.encode_completion(ours, converter, headers, 1)
    await payload_walk.SDK_ENCODE(sdks, converter, headers, 1)
    assert local_arguments(ours) == local_arguments(completion())
    assert local_arguments(sdks) != local_arguments(completion())
    sdks.successful.commands[0].schedule_local_activity.ClearField("arguments")
    sdks.successful.commands[0].schedule_local_activity.arguments.extend(local_arguments(ours))
    assert ours == sdks  # the header and the Update's answer: sealed as ever


async def test_an_externally_stored_payload_is_refused_as_the_sdk_refuses_it() -> None:
    stored = activation()
    stored.jobs[0].do_update.input[0].metadata["encoding"] = b"json/external-storage-reference"
    with pytest.raises(RuntimeError, match="TMPRL1105"):
        await payload_walk.decode_activation(
            stored, DataConverter(payload_codec=Reversing()), True, 1
        )


def test_a_codec_that_takes_a_context_or_no_codec_keeps_the_sdks_walks() -> None:
    assert payload_walk.codec_only(DataConverter(payload_codec=Reversing())) is not None
    assert payload_walk.codec_only(DataConverter(payload_codec=PerWorkflow())) is None
    assert payload_walk.codec_only(DataConverter()) is None


async def test_the_worker_walks_once_and_its_cases_history_is_sealed(
    monkeypatch: pytest.MonkeyPatch, dev_env: WorkflowEnvironment, engine: Engine, task_queue: str
) -> None:
    monkeypatch.setattr(bridge_worker, "decode_activation", payload_walk.SDK_DECODE)
    monkeypatch.setattr(bridge_worker, "encode_completion", payload_walk.SDK_ENCODE)
    walks: list[object] = []
    walk = payload_walk.PayloadVisitor.visit

    async def counted(self: PayloadVisitor, fs: VisitorFunctions, root: object) -> None:
        walks.append(root)
        await walk(self, fs, root)

    monkeypatch.setattr(payload_walk.PayloadVisitor, "visit", counted)
    async with build_worker(dev_env.client, engine, task_queue):
        assert payload_walk.installed()
        case = await CaseDriver.start(dev_env.client, load_policy(), task_queue)
        await case.intake()
    history = await case.handle.fetch_history()
    assert "Herhaald kleineren" not in raw_text(history)
    activations = [w for w in walks if isinstance(w, WorkflowActivation)]
    completions = [w for w in walks if isinstance(w, WorkflowActivationCompletion)]
    assert activations and completions
    assert len(walks) == len(activations) + len(completions)  # none walked twice
    assert len({id(w) for w in walks}) == len(walks)
