"""SG989_LOG_FORMAT=json: every line each entry point writes is JSON, with the ids to follow a case.

The worker also serves the Temporal SDK's metrics on SG989_WORKER_METRICS_ADDRESS.

The entry points run as an operator starts them: `uvicorn --factory api.main:app_factory` and
`python -m sg989 worker` (the `sg989` command), each in a process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from tests.conftest import TEST_KEYS
from tests.sg989.test_persistence import free_port
from tests.workflows.driver import CaseDriver


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SG989_LOG_FORMAT": "json",
        "SG989_DATA_DIR": str(tmp_path / "data"),
        "SG989_LOCAL_SIGNING_KEY_FILE": str(tmp_path / "key.pem"),
        "SG989_DATABASE_URL": "",
        **extra,
    }


def json_lines(stderr: bytes) -> list[dict[str, Any]]:
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    assert lines, "the process wrote nothing"
    for line in lines:
        assert line.startswith("{"), f"not JSON: {line}"
    return [json.loads(line) for line in lines]


def finish(process: subprocess.Popen[bytes]) -> bytes:
    process.terminate()
    _, stderr = process.communicate(timeout=30)
    return stderr


def test_the_api_factory_logs_json_with_the_request_id(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, SG989_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}")
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:app_factory"]
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/health/live", headers={"X-Request-ID": "ops-42"}
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                assert process.poll() is None, process.communicate()[1].decode()
                time.sleep(0.3)
        assert response.status_code == 200
    finally:
        stderr = finish(process)
    events = json_lines(stderr)
    assert any(e.get("logger") == "uvicorn.error" for e in events)  # uvicorn's own lines too
    request = next(e for e in events if e.get("event") == "request")
    assert request["request_id"] == "ops-42" and request["path"] == "/health/live"


async def test_the_worker_logs_json_with_case_workflow_and_run_id(
    tmp_path: Path, dev_env: WorkflowEnvironment, policy, task_queue: str
) -> None:
    address = dev_env.client.service_client.config.target_host
    metrics = f"127.0.0.1:{free_port()}"
    env = environment(
        tmp_path,
        SG989_TEMPORAL_ADDRESS=address,
        SG989_TASK_QUEUE=task_queue,
        SG989_WORKER_METRICS_ADDRESS=metrics,
        SG989_PAYLOAD_KEYS=TEST_KEYS,  # the test client's key ring: the worker must decode
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "sg989", "worker"], env=env, stderr=subprocess.PIPE
    )
    try:
        case = await CaseDriver.start(dev_env.client, policy, task_queue)
        await case.intake()
        run_id = (await case.handle.describe()).run_id
        sdk_metrics = httpx.get(f"http://{metrics}/metrics").text
        assert "temporal_workflow_task_execution_latency" in sdk_metrics
        assert f'task_queue="{task_queue}"' in sdk_metrics
    finally:
        stderr = finish(process)
    events = json_lines(stderr)
    assert any("schema brought up to date" in e["event"] for e in events)  # the CLI's own line
    recorded = [e for e in events if e["event"] in ("step_recorded", "transition_recorded")]
    assert recorded, "the worker recorded no transition"
    for event in recorded:
        assert event["case_id"] == case.case_id
        assert event["workflow_id"] == case.case_id
        assert event["run_id"] == run_id
