"""One walk over a workflow activation's payloads instead of three, and one over its completion.

The SDK (1.35) walks every activation it receives three times and every completion it sends
three times, one walk per concern: external-storage references, external storage, the codec.
Each walk is a Python recursion over the whole protobuf, so at concurrency 20 the walks were
about a seventh of the worker's CPU. sg989 configures no external storage, and its codec does
not depend on the serialization context (the same codec for every command of every case), so
the first two walks only look for references that cannot be there. `install()` replaces the
SDK's two functions with one walk that does what the three did for such a converter: refuse an
externally stored payload as the SDK does, then run the codec. Any other data converter (one
with external storage, or a codec that takes a serialization context) still gets the SDK's own
walks, unchanged. One difference on purpose: the arguments of a local activity are left unsealed
(`CompletionVisitor`), because they only travel to this worker's own activity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import temporalio.bridge.worker as bridge_worker
from temporalio.api.common.v1 import Payload
from temporalio.bridge._visitor import PayloadVisitor, VisitorFunctions
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import DataConverter, PayloadCodec, WithSerializationContext
from temporalio.converter._data_converter import _has_reference_marker, _is_reference_payload
from temporalio.converter._extstore import StorageOperationMetrics

SDK_DECODE = bridge_worker.decode_activation
SDK_ENCODE = bridge_worker.encode_completion
EXTERNAL = (
    "[TMPRL1105] Detected externally stored payload(s) but external storage is not configured."
)


def install() -> None:
    """Idempotent: the worker calls it each time it is built."""
    bridge_worker.decode_activation = decode_activation  # type: ignore[assignment]
    bridge_worker.encode_completion = encode_completion  # type: ignore[assignment]


def installed() -> bool:
    return bridge_worker.decode_activation is decode_activation


def codec_only(converter: DataConverter) -> PayloadCodec | None:
    """The codec, if it is all the SDK's walks would apply: else None (take the SDK's path)."""
    codec = converter.payload_codec
    if converter.external_storage is not None or codec is None:
        return None
    if isinstance(codec, WithSerializationContext):
        return None
    return codec


async def decode_activation(
    activation: WorkflowActivation,
    data_converter: DataConverter,
    decode_headers: bool,
    storage_concurrency_limit: int,
) -> StorageOperationMetrics:
    codec = codec_only(data_converter)
    if codec is None:
        return await SDK_DECODE(
            activation, data_converter, decode_headers, storage_concurrency_limit
        )

    async def decode(payloads: Sequence[Payload]) -> list[Payload]:
        if any(_has_reference_marker(p) or _is_reference_payload(p) for p in payloads):
            raise RuntimeError(EXTERNAL)
        return await codec.decode(payloads)

    visitor = PayloadVisitor(skip_search_attributes=True, skip_headers=not decode_headers)
    await visitor.visit(bridge_worker._Visitor(decode), activation)
    return StorageOperationMetrics()


async def encode_completion(
    completion: WorkflowActivationCompletion,
    data_converter: DataConverter,
    encode_headers: bool,
    storage_concurrency_limit: int,
) -> StorageOperationMetrics:
    codec = codec_only(data_converter)
    if codec is None:
        return await SDK_ENCODE(
            completion, data_converter, encode_headers, storage_concurrency_limit
        )
    visitor = CompletionVisitor(skip_search_attributes=True, skip_headers=not encode_headers)
    await visitor.visit(bridge_worker._Visitor(codec.encode), completion)
    return StorageOperationMetrics()


class CompletionVisitor(PayloadVisitor):
    """The SDK's walk, except that a local activity's arguments stay as they are: they go to
    this worker's own activity and never to the server (the marker records the result, not the
    input, unless the workflow asks for it), so sealing a step's events and rows here only to
    open them again in the activity was CPU spent on every step for nothing."""

    async def _visit_coresdk_workflow_commands_ScheduleLocalActivity(
        self, fs: VisitorFunctions, o: Any
    ) -> None:
        if o.include_arguments_in_marker:
            await super()._visit_coresdk_workflow_commands_ScheduleLocalActivity(fs, o)
            return
        if not self.skip_headers:
            for header in o.headers.values():
                await self._visit_temporal_api_common_v1_Payload(fs, header)
