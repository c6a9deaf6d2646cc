"""What Temporal stores is ciphertext: raw history tells an operator nothing of the melding."""

from __future__ import annotations

import base64
import json

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from domain.phases import TaskType
from sg989.codec import DEFLATED, ENCODING, is_contentless
from sg989.worker import workflow_runner
from tests.conftest import TEST_CONVERTER
from tests.workflows.driver import COID, COMMANDANT, CaseDriver
from workflows.case import CaseWorkflow

MOTIVERING = "Concrete aanwijzingen van herhaald kleineren."
SECRETS = (
    "melder@example.invalid",  # the melder's contact
    "Herhaald kleineren",  # the melding text
    "Test commandant",  # names of people who acted
    "Test coid_adviseur",
    MOTIVERING,  # what an adviser wrote
)


async def driven_case(env, policy, task_queue) -> CaseDriver:  # type: ignore[no-untyped-def]
    case = await CaseDriver.start(env.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": MOTIVERING})
    return case


def raw_text(history: WorkflowHistory) -> str:
    """Every payload's bytes as they lie on the server, decoded as text where they are text."""
    text = history.to_json()
    blobs = [base64.b64decode(v) for v in _payload_data(json.loads(text))]
    return text + "\n".join(b.decode("utf-8", "replace") for b in blobs)


def _payload_data(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["data"]] if "metadata" in node and isinstance(node.get("data"), str) else []
        return found + [d for v in node.values() for d in _payload_data(v)]
    if isinstance(node, list):
        return [d for v in node for d in _payload_data(v)]
    return []


async def test_raw_history_holds_no_melding_text_contact_or_names(
    dev_worker, policy, task_queue
) -> None:
    case = await driven_case(dev_worker, policy, task_queue)
    plain = Client(
        dev_worker.client.service_client,
        namespace=dev_worker.client.namespace,
        data_converter=pydantic_data_converter,  # no codec: what an operator or a backup sees
    )
    history = await plain.get_workflow_handle(case.case_id).fetch_history()
    text = raw_text(history)

    assert COMMANDANT.name in (await case.state()).model_dump_json()  # the workflow knows it
    assert [s for s in SECRETS if s in text] == []
    raw = json.loads(history.to_json())
    payloads = [json_format.ParseDict(p, Payload()) for p in _payloads(raw)]
    encodings = {p.metadata["encoding"] for p in payloads if not is_contentless(p)}
    assert encodings and encodings <= {ENCODING, DEFLATED}  # sealed, deflated where it pays


async def test_the_timeline_explains_itself_without_the_codec(
    dev_worker, policy, task_queue
) -> None:
    """Timer and store-write summaries name task types, phases and events only: left in clear."""
    case = await driven_case(dev_worker, policy, task_queue)
    history = await case.handle.fetch_history()

    summaries = [
        json.loads(e.user_metadata.summary.data)
        for e in history.events
        if e.HasField("user_metadata")
    ]

    # The case's one deadline timer, set for the nearest reminder of the intake's tasks.
    assert any(s.startswith("herinnering: ") and s.endswith(" (intake)") for s in summaries)
    assert "escalatie: weging (weging)" in summaries or "herinnering: weging (weging)" in summaries
    assert any(s.endswith("event(s) from taak_afgerond") for s in summaries)


def _payloads(node: object) -> list[dict]:
    """Payloads of the case. Plain by design, without personal data: search attributes
    (tests/workflows/test_search_attributes.py), summaries (below) and the SDK's own marker
    bookkeeping (patch ids; a local activity's seq, attempt and times)."""
    if isinstance(node, dict):
        own = [node] if "metadata" in node and "encoding" in node.get("metadata", {}) else []
        return own + [
            p
            for k, v in node.items()
            if k not in ("searchAttributes", "patch-data", "data", "summary")
            for p in _payloads(v)
        ]
    if isinstance(node, list):
        return [p for v in node for p in _payloads(v)]
    return []


async def test_an_encrypted_history_replays_with_the_key_and_not_without(
    dev_worker, policy, task_queue
) -> None:
    case = await driven_case(dev_worker, policy, task_queue)
    history = await case.handle.fetch_history()

    with_key = Replayer(
        workflows=[CaseWorkflow], workflow_runner=workflow_runner(), data_converter=TEST_CONVERTER
    )
    result = await with_key.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None

    without_key = Replayer(
        workflows=[CaseWorkflow],
        workflow_runner=workflow_runner(),
        data_converter=pydantic_data_converter,
    )
    result = await without_key.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
