"""`sg989 up`: Temporal, worker and API as processes of their own (the default), or worker and
API in one (`--one-process`); stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.sg989.test_persistence import free_port


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.parametrize(
    ("flags", "sg989_children"),
    [([], ["-m sg989 worker ", "-m sg989 api "]), (["--one-process"], [])],
    ids=["default-separate", "one-process"],
)
def test_up_runs_worker_and_api_as_separate_processes_unless_asked_for_one(
    tmp_path: Path, flags: list[str], sg989_children: list[str]
) -> None:
    api_port = free_port()
    env = {
        **os.environ,
        "SG989_DATA_DIR": str(tmp_path / "data"),
        "SG989_DATABASE_URL": "",
        "SG989_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "SG989_TEMPORAL_UI_PORT": str(free_port()),
        "SG989_API_PORT": str(api_port),
        "SG989_SMTP_PORT": str(free_port()),  # the mail sink's default, 8025, may be taken
        "SG989_LOCAL_SIGNING_KEY_FILE": str(tmp_path / "key.pem"),
        "SG989_LOG_FORMAT": "json",
    }
    env.pop("SG989_UP_PROCESSES", None)  # the default is what this test is about
    said = (tmp_path / "up.log").open("wb")  # what `sg989 up` said, for a failure's message
    up = subprocess.Popen(
        [sys.executable, "-m", "sg989", "up", *flags],
        env=env,
        stdout=said,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert up.poll() is None, f"sg989 up stopped: {tail(tmp_path / 'up.log')}"
            assert time.monotonic() < deadline, f"the API is not ready: {tail(tmp_path / 'up.log')}"
            time.sleep(0.5)
        commands = [command_line(pid) for pid in children(up.pid)]
        assert any("server start-dev" in c for c in commands), commands
        ours = sorted(c[c.index("-m sg989") :] for c in commands if "-m sg989" in c)
        assert ours == sorted(sg989_children), commands
        pids = children(up.pid)
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=60)
    assert up.returncode == 0
    for pid in pids:  # the worker, the API and Temporal stopped with it
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )
