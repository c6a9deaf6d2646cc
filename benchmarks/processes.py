"""`python -m benchmarks.bench_writes --only processes`: task completion as users get it from
`sg989 up`, in its default of two processes (worker and API apart, as docker-compose.yml
deploys them) and with `--one-process`, beside the two baselines.

Here every worker runs in a process of its own, the baselines' too (`python -m
benchmarks.processes bare-worker`), and this process only sends: Updates through the workflow
client for the baselines, `POST /tasks/{id}/complete` over HTTP for sg989. Each stack is the
real `sg989 up` with its own store, task queue, ports and data folder, on this run's dev server.
The HTTP client is a few lines over asyncio's streams with one kept-alive connection per
concurrent client, so that the load generator takes little of the machine's two cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.converter import DataConverter

from api.auth import local_private_key
from benchmarks.bare import BareWrite
from benchmarks.drivers import (
    Completer,
    Driver,
    bare_client,
    baselines_worker,
    case_client,
    compare,
    measure,
    probe_script,
)
from benchmarks.sealing import BENCH_KEYS
from domain.requests import CompleteTask
from sg989.settings import Settings
from store.db import make_engine

STACKS = {"API, one process": "--one-process", "API, separate": "--separate"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class HttpCaller(Completer):
    """POST /tasks/{id}/complete on a running API, over kept-alive HTTP/1.1 connections."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        super().__init__(settings, engine)
        self.connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        self.connections = asyncio.Queue()

    async def connect(self, count: int) -> None:
        for _ in range(count):
            self.connections.put_nowait(await self._open())

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.settings.api_host, self.settings.api_port)

    async def complete(self, request: CompleteTask) -> None:
        body = json.dumps(request.payload).encode()
        head = (
            f"POST /tasks/{request.task_id}/complete HTTP/1.1\r\nHost: sg989\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Authorization: Bearer {self.token(request.actor)}\r\n\r\n"
        )
        status, answer = await self._exchange(head.encode() + body)
        if status != 200:
            raise RuntimeError(f"{request.task_id}: {status} {answer.decode(errors='replace')}")

    async def _exchange(self, message: bytes) -> tuple[int, bytes]:
        reader, writer = await self.connections.get()
        try:
            try:
                return await self._round_trip(reader, writer, message)
            except (asyncio.IncompleteReadError, ConnectionError):  # the server closed it idle
                writer.close()
                reader, writer = await self._open()
                return await self._round_trip(reader, writer, message)
        finally:
            self.connections.put_nowait((reader, writer))

    @staticmethod
    async def _round_trip(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, message: bytes
    ) -> tuple[int, bytes]:
        writer.write(message)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = dict(line.lower().split(":", 1) for line in head[1:] if ":" in line)
        body = await reader.readexactly(int(fields.get("content-length", "0")))
        return int(head[0].split()[1]), body


def _stack_settings(client: Client, folder: Path) -> Settings:
    return Settings(
        data_dir=folder,
        temporal_address=client.service_client.config.target_host,
        task_queue=f"bench-{folder.name}",
        api_port=free_port(),
        smtp_port=free_port(),
        payload_keys=SecretStr(BENCH_KEYS),
    )


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "SG989_DATA_DIR": str(settings.data_dir),
        "SG989_TEMPORAL_ADDRESS": settings.temporal_address,
        "SG989_TASK_QUEUE": settings.task_queue,
        "SG989_API_PORT": str(settings.api_port),
        "SG989_SMTP_PORT": str(settings.smtp_port),
        "SG989_PAYLOAD_KEYS": BENCH_KEYS,
    }


@asynccontextmanager
async def sg989_up(client: Client, flag: str) -> AsyncIterator[HttpCaller]:
    """`sg989 up <flag>` on this run's dev server, answering on its port; stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="sg989-bench-up-"))
    settings = _stack_settings(client, folder)
    local_private_key(settings)  # the tokens' key, before the API reads it
    log = (folder / "up.log").open("wb")
    command = [sys.executable, "-m", "sg989", "up", flag]
    process = subprocess.Popen(command, env=_environment(settings), stdout=log, stderr=log)
    try:
        caller = HttpCaller(settings, make_engine(settings.sqlalchemy_url))
        await _ready(caller, process, folder / "up.log")
        yield caller
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait)


async def _ready(caller: HttpCaller, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise RuntimeError(f"sg989 up exited with {process.returncode}; see {log}")
        try:
            reader, writer = await caller._open()
        except OSError:  # not listening yet
            await asyncio.sleep(0.1)
            continue
        try:
            probe = b"GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n"
            status, _ = await caller._round_trip(reader, writer, probe)
        except (OSError, asyncio.IncompleteReadError):  # closed while starting up
            status = 0
        finally:
            writer.close()
        if status == 200:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"sg989 up did not become ready; see {log}")


@asynccontextmanager
async def bare_worker_process(client: Client, engine_url: str) -> AsyncIterator[None]:
    environment = {
        **os.environ,
        "BENCH_TEMPORAL": client.service_client.config.target_host,
        "BENCH_STORE": engine_url,
        "BENCH_KEYS": BENCH_KEYS,
    }
    command = [sys.executable, "-m", "benchmarks.processes", "bare-worker"]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = await asyncio.to_thread(process.stdout.readline)
        if line.strip() != b"ready":
            raise RuntimeError("the baselines' worker did not start")
        yield
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait)


async def processes(
    client: Client, engine_url: str, rounds: int, levels: tuple[int, ...], repeats: int
) -> None:
    async with (
        bare_worker_process(client, engine_url),
        sg989_up(client, STACKS["API, one process"]) as one,
        sg989_up(client, STACKS["API, separate"]) as separate,
    ):
        print(
            "sg989 up as users run it: the API over HTTP, every worker in a process of its own "
            "(`--separate`, the default, and `--one-process`)\n"
        )
        callers = {"API, one process": one, "API, separate": separate}
        scripts = {}
        for name, caller in callers.items():
            await caller.connect(max(levels))
            scripts[name] = await probe_script(client, caller.settings.task_queue)
            queue = caller.settings.task_queue
            await measure("warm-up", 1, case_client(client, scripts[name], 1, caller, queue))
        for level in levels:
            cases = max(1, rounds // level)
            updates = len(scripts["API, one process"]) * cases
            drivers: dict[str, Driver] = {
                "bare": bare_client(client, updates, BareWrite.none),
                "bare + activity": bare_client(client, updates, BareWrite.activity),
            }
            for name, caller in callers.items():
                queue = caller.settings.task_queue
                drivers[name] = case_client(client, scripts[name], cases, caller, queue)
            await compare(level, drivers, repeats, ours=list(STACKS), cpu="sender's CPU")


async def _serve_baselines() -> None:

    from sg989 import collector

    converter = bench_converter_from(os.environ["BENCH_KEYS"])
    client = await Client.connect(os.environ["BENCH_TEMPORAL"], data_converter=converter)
    worker = baselines_worker(client, make_engine(os.environ["BENCH_STORE"]))
    async with worker:
        collector.settle(Settings().gc_young_threshold)  # as sg989's worker does
        print("ready", flush=True)
        await asyncio.Event().wait()


def bench_converter_from(keys: str) -> DataConverter:
    from sg989.codec import encrypted_converter
    from sg989.keys import parse_keys

    return encrypted_converter(parse_keys(keys, "benchmark"))


if __name__ == "__main__" and sys.argv[1:] == ["bare-worker"]:
    asyncio.run(_serve_baselines())
