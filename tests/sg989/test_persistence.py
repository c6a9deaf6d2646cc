"""`make run` twice: the persistent dev server keeps the cases and their timers across a restart."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from sqlmodel import SQLModel
from temporalio.client import WorkflowExecutionStatus

from domain.phases import TaskType
from sg989.settings import Settings
from sg989.stack import start_temporal_dev_server, wait_for_temporal
from sg989.worker import build_worker
from store.db import make_engine
from tests.workflows.driver import CaseDriver
from workflows.case import CaseWorkflow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


async def test_cases_and_timers_survive_a_restart(tmp_path: Path, policy) -> None:
    settings = Settings(
        data_dir=tmp_path,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        task_queue="persistence",
    )
    engine = make_engine(settings.sqlalchemy_url)
    SQLModel.metadata.create_all(engine)

    server = start_temporal_dev_server(settings)
    try:
        client = await wait_for_temporal(settings)
        async with build_worker(client, engine, settings.task_queue):
            case = await CaseDriver.start(client, policy, settings.task_queue)
            await case.intake()
    finally:
        stop(server)
    assert (tmp_path / "temporal.db").exists()

    server = start_temporal_dev_server(settings)
    try:
        client = await wait_for_temporal(settings)
        handle = client.get_workflow_handle(case.case_id)
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        async with build_worker(client, engine, settings.task_queue):
            state = await handle.query(CaseWorkflow.state)
            keuze = next(t for t in state.open_tasks() if t.task_type == TaskType.keuze_afhandeling)
            assert (
                keuze.due_at > keuze.opened_at and not keuze.reminded
            )  # its timer is still pending
            await CaseDriver(handle).choose("lijn")  # and the case carries on
            assert (await handle.query(CaseWorkflow.state)).phase.value == "afdoening"
    finally:
        stop(server)
