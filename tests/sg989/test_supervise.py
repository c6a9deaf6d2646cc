"""`sg989 up` keeps its Temporal dev server running: a server that dies comes back, cases go on."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from sg989.settings import Settings
from sg989.stack import start_temporal_dev_server, temporal_reachable, wait_for_temporal
from sg989.supervise import MAX_RESTARTS, GaveUp, Supervised, supervise
from sg989.worker import build_worker
from store.db import make_engine
from tests.sg989.test_persistence import free_port
from tests.workflows.driver import CaseDriver


async def back_up(server: Supervised, dead_pid: int, settings: Settings, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if server.process.pid != dead_pid and await temporal_reachable(settings):
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"the dev server did not come back within {within} s")


async def test_a_dev_server_that_died_is_restarted_and_cases_go_on(tmp_path: Path, policy) -> None:
    settings = Settings(
        data_dir=tmp_path,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        task_queue="supervised",
    )
    engine = make_engine(settings.sqlalchemy_url)
    SQLModel.metadata.create_all(engine)
    server = Supervised("Temporal dev server", lambda: start_temporal_dev_server(settings))
    stop = asyncio.Event()
    supervisor = asyncio.create_task(supervise([server], stop, interval=0.2))
    try:
        client = await wait_for_temporal(settings)
        async with build_worker(client, engine, settings.task_queue):
            case = await CaseDriver.start(client, policy, settings.task_queue)
            dead = server.process.pid
            server.process.kill()
            await back_up(server, dead, settings, within=60)
            assert len(server.restarts) == 1
            await case.intake()  # the same client and worker carry on with the same case
    finally:
        stop.set()
        await supervisor
        server.stop()
    assert server.process.poll() is not None  # stopped, not restarted once the stack stops


async def test_a_process_that_keeps_dying_is_given_up_with_the_reason() -> None:
    def crash() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])

    flaky = Supervised("flaky", crash, hint="; see flaky.log")
    stop = asyncio.Event()
    with pytest.raises(GaveUp) as gave_up:
        await asyncio.wait_for(supervise([flaky], stop, interval=0.05), timeout=60)
    assert stop.is_set()
    message = str(gave_up.value)
    assert f"flaky exited {MAX_RESTARTS + 1} times" in message
    assert "last exit code 3" in message and "flaky.log" in message
