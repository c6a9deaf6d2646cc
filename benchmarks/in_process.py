"""Task completions sent to the FastAPI app in the benchmark's own process (`--only
throughput`): ``ApiCaller`` holds a token per actor, and ``asgi_post`` calls the app as an ASGI
server calls it, so that no HTTP client's work is billed to sg989."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.main import create_app
from benchmarks.drivers import CASE_QUEUE, Completer
from benchmarks.sealing import BENCH_KEYS
from domain.requests import CompleteTask
from sg989.settings import Settings


class ApiCaller(Completer):
    """POST /tasks/{id}/complete on the app, with a token for the actor of each request."""

    def __init__(self, client: Client, engine: Engine) -> None:
        data_dir = Path(tempfile.mkdtemp(prefix="sg989-bench-api-"))
        settings = Settings(
            data_dir=data_dir,
            task_queue=CASE_QUEUE,
            local_signing_key_file=data_dir / "signing-key.pem",
            payload_keys=SecretStr(BENCH_KEYS),
        )
        super().__init__(settings, engine)

        async def provider() -> Client:
            return client

        self.app = create_app(self.settings, engine, provider)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://sg989"
        )

    async def complete(self, request: CompleteTask) -> None:
        status, body = await asgi_post(
            self.app,
            f"/tasks/{request.task_id}/complete",
            json.dumps(request.payload).encode(),
            token=self.token(request.actor),
        )
        if status != 200:
            raise RuntimeError(f"{request.task_id}: {status} {body.decode(errors='replace')}")


async def asgi_post(app: Any, path: str, body: bytes, *, token: str) -> tuple[int, bytes]:
    """One JSON POST to the ASGI app, with the scope and messages uvicorn would give it."""
    headers = [
        (b"host", b"sg989"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"authorization", f"Bearer {token}".encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("sg989", 80),
    }
    answered = asyncio.Event()
    delivered = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await answered.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)
