"""Binds a request id (and the case number, when the path names one) to every log line."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

from api.problems import unexpected_problem

CASE_IN_PATH = re.compile(r"(ZK-\d{4}-\d+)")
REQUEST_ID_HEADER = "X-Request-ID"
log = structlog.get_logger("api")


def install_request_context(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        found = CASE_IN_PATH.search(request.url.path)
        if found:
            structlog.contextvars.bind_contextvars(case_id=found.group(1))
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as exc:  # the catch-all: logged with the request id, problem+json out
            response = unexpected_problem(exc)
        created = CASE_IN_PATH.search(response.headers.get("location", ""))
        if created and not found:  # a new case: its number is known only after the request
            structlog.contextvars.bind_contextvars(case_id=created.group(1))
        log.info(
            "request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
