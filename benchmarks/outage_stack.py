"""The processes of the outage scenarios (``benchmarks.outages``): the dev server, sg989
workers and API replicas as `sg989` subprocesses, a throwaway PostgreSQL server to crash, and a
small disk of its own for the SQLite store to fill up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from benchmarks.sealing import BENCH_KEYS, bench_converter, ready_for_cases
from sg989.temporal import temporal_cli_path
from store.migrate import upgrade_to_head

TASK_QUEUE = "outages"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sg989_env(address: str, data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SG989_TEMPORAL_ADDRESS": address,
        "SG989_DATA_DIR": str(data_dir),
        "SG989_DATABASE_URL": database_url,
        "SG989_TASK_QUEUE": TASK_QUEUE,
        "SG989_LOG_FORMAT": "json",
        "SG989_PAYLOAD_KEYS": BENCH_KEYS,
        **extra,
    }


def start_sg989(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sg989", command], env=env, stdout=out, stderr=out
        )


async def until_answers(url: str, within: float = 180) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url, timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {within} s")


class Postgres:
    """A throwaway PostgreSQL server (Debian's binaries, as `.ci/with-postgres`) to crash."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise SystemExit(
                "PostgreSQL is not installed: `bash .ci/with-postgres true` installs it"
            )
        self.bin = found[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="sg989-pg-"))
        shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(f"{self.bin}/initdb -D {self.dir}/data -A trust -U postgres")

    def _as_postgres(self, command: str) -> None:
        subprocess.run(
            ["su", "postgres", "-s", "/bin/bash", "-c", command],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            f"{self.bin}/pg_ctl -D {self.dir}/data -l {self.dir}/server.log -w -o '{options}' start"
        )

    def crash(self) -> None:
        self._as_postgres(f"{self.bin}/pg_ctl -D {self.dir}/data -m immediate stop")

    def remove(self) -> None:
        subprocess.run(
            [
                "su",
                "postgres",
                "-s",
                "/bin/bash",
                "-c",
                f"{self.bin}/pg_ctl -D {self.dir}/data -m fast stop",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


class FullDisk:
    """The embedded default's SQLite file on a small tmpfs of its own, which is then filled
    up (the usual way a SQLite store stops taking writes) and freed again."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="sg989-disk-"))
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256m", "none", str(self.dir)], check=True
        )
        self.url = f"sqlite:///{self.dir / 'sg989.db'}"
        self.filler = self.dir / "filler"

    def crash(self) -> None:
        with self.filler.open("wb") as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * (1 << 20))
                out.flush()

    def start(self) -> None:
        self.filler.unlink()

    def remove(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.dir)], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Stack:
    env: WorkflowEnvironment
    data_dir: Path
    url: str
    processes: list[subprocess.Popen[bytes]]
    apis: dict[str, subprocess.Popen[bytes]]
    child_env: dict[str, str]


async def start_temporal(url: str) -> tuple[WorkflowEnvironment, str]:
    """The store at ``url`` migrated, and a dev server ready for cases: (it, its address)."""
    upgrade_to_head(url)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        data_converter=bench_converter(),
        ui=False,
    )
    await ready_for_cases(env.client)
    return env, env.client.service_client.config.target_host


async def start_stack(url: str, data_dir: Path, apis: int, workers: int = 2) -> Stack:
    env, address = await start_temporal(url)
    child_env = sg989_env(address, data_dir, url)
    processes = [start_sg989("worker", child_env, data_dir / "workers.log") for _ in range(workers)]
    replicas = {}
    for _ in range(apis):
        port = free_port()
        api_env = {**child_env, "SG989_API_PORT": str(port)}
        replicas[f"http://127.0.0.1:{port}"] = start_sg989("api", api_env, data_dir / "api.log")
    for base in replicas:
        await until_answers(f"{base}/health/ready")
    return Stack(env, data_dir, url, processes + list(replicas.values()), replicas, child_env)


async def stop_stack(stack: Stack) -> None:
    for process in stack.processes:
        if process.poll() is None:
            process.terminate()
    for process in stack.processes:
        process.wait(timeout=30)
    await stack.env.shutdown()
