"""History size of one case on the full investigation path (issue 9): `bench_writes --only history`.

Measured in the form a person gets when they download a history: the bytes `temporal workflow
show --output json` prints (the CLI itself is run, once per run of the case, and every run is
summed), next to Temporal's own protobuf size. Two servers, because their JSON differs:
- the real Temporal server (`temporal server start-dev`, what `make run` and production run):
  every event carries a `taskId`, nanosecond times, the worker's sticky queue and build id, and
  a cancelled timer repeats its summary. It cannot skip weeks, so there every step is a person's:
  the betrokkene lodges a bezwaar and the BG decides on it (21 Updates, no timer fires);
- the time-skipping test server: the bezwaartermijn runs out unused and reminders fire on the
  way (19 Updates, 5 timer firings). Its JSON is some 15 % smaller per event.
Three sizes of the same history, every run summed:
- Temporal's own count (`history_size_bytes`, what `temporal workflow describe` and the UI show
  as the history size, and what its limits count);
- the history as JSON: the CLI's output without the indentation it adds for display;
- the CLI's indented print, byte for byte.
Then the events by type (count, bytes, of which payloads) and the store writes per Update.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from benchmarks.sealing import bench_converter, ready_for_cases
from domain.phases import TaskType
from sg989.policy_files import load_policy
from sg989.temporal import temporal_cli_path, test_server_path
from sg989.worker import build_worker
from tests.workflows.driver import JURIST, CaseDriver
from tests.workflows.test_paths import drive_to_afdoening, finish_afdoening, finish_nazorg

QUEUE = "bench-history"
TARGET_KB = 100


@dataclass
class HistorySize:
    server: str
    path: str
    events: list[HistoryEvent] = field(default_factory=list)
    printed: list[bytes] = field(default_factory=list)  # the CLI's output, one per run
    temporal_bytes: int = 0  # history_size_bytes as the server counts it, every run summed

    @property
    def printed_bytes(self) -> int:
        return sum(len(out) for out in self.printed)

    @property
    def json_bytes(self) -> int:
        """The same JSON without the indentation and line breaks the CLI adds for display."""
        return sum(len(_compact(out)) for out in self.printed)

    def report(self) -> list[str]:
        proto = sum(e.ByteSize() for e in self.events)
        lines = [
            f"{self.server}: {self.path}",
            f"  {len(self.printed)} run(s), {len(self.events)} events, {proto / 1024:.0f} KB "
            "protobuf",
            _against_target("history size as Temporal counts it", self.temporal_bytes)
            if self.temporal_bytes
            else "  history size as Temporal counts it: not reported by this server",
            _against_target("history as JSON", self.json_bytes),
            f"  {'indented JSON, as `temporal workflow show --output json` prints it':52} "
            f"{self.printed_bytes / 1024:6.1f} KB",
        ]
        lines += self._by_type()
        lines.append(self._writes())
        return lines

    def _by_type(self) -> list[str]:
        count: Counter[str] = Counter()
        size: Counter[str] = Counter()
        payload: Counter[str] = Counter()
        for printed in self.printed:
            for event in json.loads(printed)["events"]:
                kind = _kind(event)
                count[kind] += 1
                size[kind] += _printed_size(event)
                payload[kind] += _payload_size(event)
        lines = [f"  {'event type':44} {'count':>5} {'KB':>6} {'of which payloads':>18}"]
        lines += [
            f"  {kind:44} {count[kind]:5} {size[kind] / 1024:6.1f} {payload[kind] / 1024:18.1f}"
            for kind, _ in size.most_common()
        ]
        lines.append(_per_update(count, size))
        return lines

    def count(self, attributes: str) -> int:
        """Events of one kind, by their attributes' field, e.g. "timer_fired_event_attributes"."""
        return sum(e.WhichOneof("attributes") == attributes for e in self.events)

    @property
    def local_activities(self) -> int:
        return sum(
            e.HasField("marker_recorded_event_attributes")
            and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
            for e in self.events
        )

    def _writes(self) -> str:
        updates = self.count("workflow_execution_update_completed_event_attributes")
        timers = self.count("timer_fired_event_attributes")
        activities = self.count("activity_task_scheduled_event_attributes")
        local = self.local_activities
        return (
            f"  store writes: {activities} activities + {local} local activities for {updates} "
            f"Updates and {timers} timer firings: "
            f"{(activities + local) / max(updates + timers, 1):.2f} per Update or timer firing"
        )


PER_UPDATE = (  # what Temporal writes for any Update that the case accepts and records
    "WORKFLOW_TASK_SCHEDULED",
    "WORKFLOW_TASK_STARTED",
    "WORKFLOW_TASK_COMPLETED",
    "WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
    "WORKFLOW_EXECUTION_UPDATE_COMPLETED",
    "MARKER_RECORDED (core_local_activity)",
)


def _per_update(count: Counter[str], size: Counter[str]) -> str:
    """The floor: the events one Update costs whatever the case does (its workflow task, the
    Update accepted and completed, its one store write), on average on this server."""
    floor = sum(size[kind] / count[kind] for kind in PER_UPDATE if count[kind])
    updates = count["WORKFLOW_EXECUTION_UPDATE_COMPLETED"]
    return (
        f"  every Update costs at least {floor / 1024:.1f} KB (workflow task, accepted, completed, "
        f"store write): {updates * floor / 1024:.0f} KB for these {updates} Updates alone"
    )


def _against_target(what: str, size: int) -> str:
    met = "met" if size < TARGET_KB * 1024 else "NOT met"
    return f"  {what:52} {size / 1024:6.1f} KB (target < {TARGET_KB} KB: {met})"


def _compact(printed: bytes) -> bytes:
    return json.dumps(json.loads(printed), separators=(",", ":"), ensure_ascii=False).encode()


def _kind(event: dict[str, Any]) -> str:
    kind = str(event["eventType"]).removeprefix("EVENT_TYPE_")
    marker = event.get("markerRecordedEventAttributes")
    return f"{kind} ({marker['markerName']})" if marker else kind


def _printed_size(event: dict[str, Any]) -> int:
    """The event's bytes in the CLI's output: two-space indent, at depth two, and a comma."""
    lines = json.dumps(event, indent=2, ensure_ascii=False).splitlines()
    return sum(len(("    " + line).encode()) + 1 for line in lines) + 1


def _payload_size(event: dict[str, Any]) -> int:
    """What the event's payloads (metadata and data) add to it: the event minus its payloads."""
    return _printed_size(event) - _printed_size(_without_payloads(event))


def _without_payloads(node: Any) -> Any:
    if isinstance(node, dict):
        if isinstance(node.get("metadata"), dict):
            return {}
        return {k: _without_payloads(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_payloads(v) for v in node]
    return node


async def measure(client: Client, case_id: str, server: str, path: str) -> HistorySize:
    """Every run of the case, first to last, as the CLI prints it."""
    size = HistorySize(server, path)
    handle = client.get_workflow_handle(case_id)
    run_id = (await handle.describe()).raw_description.workflow_execution_info.first_run_id
    while run_id:
        run = client.get_workflow_handle(case_id, run_id=run_id)
        history = await run.fetch_history()
        size.events += history.events
        described = await run.describe()
        size.temporal_bytes += described.raw_description.workflow_execution_info.history_size_bytes
        size.printed.append(await _cli_show(client, case_id, run_id))
        last = history.events[-1]
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return size


async def _cli_show(client: Client, case_id: str, run_id: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        str(temporal_cli_path()),
        "workflow",
        "show",
        "--address",
        client.service_client.config.target_host,
        "--namespace",
        client.namespace,
        "--workflow-id",
        case_id,
        "--run-id",
        run_id,
        "--output",
        "json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"temporal workflow show failed: {err.decode()}")
    return out


async def _up_to_bezwaar(case: CaseDriver) -> None:
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])


async def _nazorg_to_close(case: CaseDriver) -> None:
    await finish_nazorg(case)
    await case.handle.result()


async def full_path_with_bezwaar(case: CaseDriver) -> None:
    """Every step a person takes, up to the case's close: the path measured on the real server."""
    await _up_to_bezwaar(case)
    await case.complete(TaskType.bezwaartermijn, JURIST, {"ontvangen_op": "2026-12-01"})
    await case.complete(
        TaskType.beslissing_op_bezwaar,
        JURIST,
        {"uitkomst": "ongegrond", "motivering": "Het besluit blijft."},
    )
    await _nazorg_to_close(case)


async def on_real_server(engine: Engine) -> HistorySize:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        data_converter=bench_converter(),
        ui=False,
    )
    await ready_for_cases(env.client)
    async with env, build_worker(env.client, engine, QUEUE):
        case = await CaseDriver.start(env.client, load_policy(), QUEUE)
        await full_path_with_bezwaar(case)
        return await measure(
            env.client,
            case.case_id,
            "real Temporal server (temporal server start-dev)",
            "investigation, voornemen, HAC, besluit, bezwaar and beslissing, nazorg, closed",
        )


async def on_time_skipping_server(engine: Engine) -> HistorySize:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(test_server_path()), data_converter=bench_converter()
    )
    await ready_for_cases(env.client)
    async with env, build_worker(env.client, engine, QUEUE):
        case = await CaseDriver.start(env.client, load_policy(), QUEUE)
        await _up_to_bezwaar(case)
        termijn = await case.open_task(TaskType.bezwaartermijn)
        await env.sleep(termijn.due_at - await env.get_current_time() + timedelta(minutes=1))
        await _nazorg_to_close(case)
        return await measure(
            env.client,
            case.case_id,
            "time-skipping test server",
            "investigation, voornemen, HAC, besluit, the bezwaartermijn runs out, nazorg, closed",
        )


async def history_of_full_path(engine: Engine) -> None:
    print("History of one case on the full investigation path, every run summed:")
    for size in (await on_real_server(engine), await on_time_skipping_server(engine)):
        print("\n".join(size.report()))
