"""Binds a request id (and the case number, when the path names one) to every log line.

A plain ASGI middleware rather than ``@app.middleware("http")`` (Starlette's BaseHTTPMiddleware):
that one runs the app in a task group of its own and streams the response through a memory
channel, which cost more per request than the route's own work did under the write benchmark.
Here the app runs in the request's own task, so what a route binds (the case number it looked up)
is on the ``request`` line too.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import unexpected_problem

CASE_IN_PATH = re.compile(r"(ZK-\d{4}-\d+)")
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode("latin-1")
log = structlog.get_logger("api")


class RequestContext:
    """Request id in and out, the case number bound, a ``request`` log line per request, and
    the catch-all: an unexpected error becomes problem+json (logged with the request id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, _REQUEST_ID) or uuid.uuid4().hex
        path: str = scope["path"]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        found = CASE_IN_PATH.search(path)
        if found:
            structlog.contextvars.bind_contextvars(case_id=found.group(1))
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                created = CASE_IN_PATH.search(headers.get("location", ""))
                if created and not found:  # a new case: its number is known only now
                    structlog.contextvars.bind_contextvars(case_id=created.group(1))
                headers[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # the catch-all: logged with the request id, problem+json out
            if response_started:  # too late for another answer: the server closes it
                raise
            await unexpected_problem(exc)(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=path,
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1")) or None
    return None


def install_request_context(app: FastAPI) -> None:
    app.add_middleware(RequestContext)
