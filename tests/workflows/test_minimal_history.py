"""History stays small and holds no melding text: one store write per Update, changed rows only."""

from __future__ import annotations

import base64
import json
import re

from temporalio.client import WorkflowHistory

from tests.workflows.driver import CaseDriver, melding
from workflows.patches import BASELINE_2


def payload_text(history: WorkflowHistory) -> str:
    """Every payload in the history, decoded: what an operator of Temporal can read."""
    raw = history.to_json()
    return "\n".join(decode(data) for data in re.findall(r'"data":\s*"([^"]+)"', raw))


def decode(data: str) -> str:
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "ignore")
    except ValueError:
        return data


async def test_history_carries_no_melding_text_and_one_write_per_update(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    history = await case.handle.fetch_history()

    text = payload_text(history)
    told = melding()
    assert told.description not in text and told.melder_contact not in text
    assert "description" not in text and "melder_contact" not in text
    # The policy travels once, in the start input; never in a store write.
    writes = [
        e.marker_recorded_event_attributes
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]
    updates = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_completed_event_attributes")
    ]
    assert len(updates) == 3
    assert not any(e.HasField("activity_task_scheduled_event_attributes") for e in history.events)
    assert len(writes) == len(updates) + 1  # the registration, then one write per Update
    for marker in writes:
        written = [
            p.data.decode("utf-8", "ignore") for v in marker.details.values() for p in v.payloads
        ]
        assert "policy" not in json.dumps(written)


async def test_a_new_case_records_one_patch_marker_for_every_earlier_patch(
    time_worker, policy, task_queue
) -> None:
    """Each patch asked one by one costs a marker and a TemporalChangeVersion upsert."""
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    history = await case.handle.fetch_history()

    patches = [
        json.loads(e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data)["id"]
        for e in history.events
        if e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    change_versions = [
        e
        for e in history.events
        if "TemporalChangeVersion"
        in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    ]
    assert patches == [BASELINE_2] and len(change_versions) == 1
