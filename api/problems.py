"""RFC 9457 problem details: every error leaves the API as application/problem+json."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import TemporalError
from temporalio.service import RPCError, RPCStatusCode

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid request",
    500: "Internal error",
    503: "Service unavailable",
}
log = structlog.get_logger("api")


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem+json body."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title or TITLES.get(status, "Error")
        self.detail = detail
        self.extra = extra


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_errors(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic errors as [{field, message}], the field a dotted path into the request."""
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]}
        for err in errors
    ]


async def _problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if exc.status == 401 else None
    return problem_response(exc.status, exc.detail, title=exc.title, headers=headers, **exc.extra)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(err.get("type") == "json_invalid" for err in raw):
        return problem_response(400, "the body is not valid JSON", errors=field_errors(raw))
    errors = field_errors(raw)
    fields = ", ".join(e["field"] for e in errors)
    return problem_response(422, f"the request does not validate: {fields}", errors=errors)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(exc.status_code, detail, headers=headers)


async def _store_down(_: Request, exc: Exception) -> JSONResponse:
    log.error("store_unavailable", error=str(exc))
    return problem_response(503, "the case store cannot be reached; try again shortly")


TEMPORAL_CONFLICTS = {
    RPCStatusCode.NOT_FOUND: "the case is closed or unknown to the workflow engine",
    RPCStatusCode.ALREADY_EXISTS: "the workflow engine already holds this case",
    RPCStatusCode.FAILED_PRECONDITION: "the case cannot take this step in its current state",
}


def temporal_problem(exc: Exception) -> JSONResponse:
    """A Temporal error nobody handled on the way: 409 when the case is in the way, 503 when
    the engine is (nothing changed either way, so the request can be repeated)."""
    if isinstance(exc, RPCError) and exc.status in TEMPORAL_CONFLICTS:
        return problem_response(409, f"{TEMPORAL_CONFLICTS[exc.status]}: {exc.message}")
    if isinstance(exc, WorkflowUpdateFailedError):
        return problem_response(409, f"the case refused the step: {exc.cause or exc}")
    if isinstance(exc, WorkflowUpdateRPCTimeoutOrCancelledError):
        detail = "the workflow engine did not answer in time; the step may still be applied"
        return problem_response(503, f"{detail}: look at the case before repeating it")
    log.error("temporal_error", error=str(exc), error_type=exc.__class__.__name__)
    return problem_response(503, "the workflow engine (Temporal) cannot act now; try again shortly")


async def _temporal(_: Request, exc: Exception) -> JSONResponse:
    return temporal_problem(exc)


def unexpected_problem(exc: BaseException) -> JSONResponse:
    """The catch-all: the error is logged (with the request id bound by the middleware), the
    caller gets a sentence and the request id, never a traceback."""
    if isinstance(exc, TemporalError | RPCError):
        return temporal_problem(exc)  # type: ignore[arg-type]
    log.exception("unexpected_error", error_type=exc.__class__.__name__)
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return problem_response(
        500,
        "something went wrong on our side; nothing is lost. Quote the request id "
        f"{request_id} to the beheerder",
        request_id=request_id,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OperationalError, _store_down)
    app.add_exception_handler(RPCError, _temporal)
    app.add_exception_handler(TemporalError, _temporal)
