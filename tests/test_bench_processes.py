"""`--only processes` sends completions over kept-alive HTTP: an idle connection the API closed
is opened again, and an answer other than 200 stops the run with what the API said."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks.processes import HttpCaller
from domain.requests import CompleteTask
from sg989.settings import Settings
from store.db import make_engine
from tests.workflows.driver import COMMANDANT


async def serve_once_per_connection(
    answers: list[bytes], seen: list[str]
) -> tuple[asyncio.Server, int]:
    """Answers one request per connection, then closes it, as an API's keep-alive timeout does."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        length = next(
            int(line.split(":", 1)[1])
            for line in head.split("\r\n")
            if line.lower().startswith("content-length")
        )
        await reader.readexactly(length)
        seen.append(head.split(" ")[1])
        writer.write(answers.pop(0))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def caller(tmp_path: Path, port: int) -> HttpCaller:
    settings = Settings(data_dir=tmp_path, api_port=port)
    return HttpCaller(settings, make_engine(f"sqlite:///{tmp_path / 'store.db'}"))


def completion(task_id: str) -> CompleteTask:
    return CompleteTask(actor=COMMANDANT, task_id=task_id, payload={"ok": True})


async def test_a_connection_the_api_closed_is_opened_again(tmp_path: Path) -> None:
    ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"
    seen: list[str] = []
    server, port = await serve_once_per_connection([ok, ok], seen)
    async with server:
        http = caller(tmp_path, port)
        await http.connect(1)
        await http.complete(completion("ZK-1-1"))
        await asyncio.sleep(0.05)  # the server has closed that connection by now
        await http.complete(completion("ZK-1-2"))
    assert seen == ["/tasks/ZK-1-1/complete", "/tasks/ZK-1-2/complete"]


async def test_an_answer_other_than_200_stops_the_run_saying_what_the_api_said(
    tmp_path: Path,
) -> None:
    refused = b'HTTP/1.1 409 Conflict\r\ncontent-length: 17\r\n\r\n{"title":"stale"}'
    server, port = await serve_once_per_connection([refused], [])
    async with server:
        http = caller(tmp_path, port)
        await http.connect(1)
        with pytest.raises(RuntimeError, match='ZK-1-1: 409 {"title":"stale"}'):
            await http.complete(completion("ZK-1-1"))
