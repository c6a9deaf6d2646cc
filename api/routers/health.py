"""Health: /health/live (the process answers), /health/ready (it can serve), /health (legacy).

Readiness checks the store, Temporal and the store's schema revision; a 503 carries one sentence
per failing check, so a load balancer's log says what to fix. Blocking store work runs in a thread.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.deps import EngineDep
from api.problems import problem_response
from sg989.store_check import schema_problem
from store.migrate import current_revisions, head_revisions

router = APIRouter(tags=["operations"])
TEMPORAL_TIMEOUT = timedelta(seconds=3)
OK = "ok"


def _reason(exc: BaseException) -> str:
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {first[0]}" if first else exc.__class__.__name__


def _store_ok(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return OK
    except Exception as exc:  # health reports every failure instead of raising it
        return f"unreachable: {exc.__class__.__name__}"


@lru_cache(maxsize=1)
def _heads() -> frozenset[str]:
    return frozenset(head_revisions())


def _schema_ok(engine: Engine) -> str:
    try:
        problem = schema_problem(current_revisions(engine), set(_heads()))
    except Exception as exc:  # the store check names an unreachable store already
        return f"The schema revision could not be read ({_reason(exc)})."
    return OK if problem is None else problem[0].upper() + problem[1:] + "."


async def _temporal_ok(request: Request) -> str:
    try:
        client = await asyncio.wait_for(
            request.app.state.client_provider(), TEMPORAL_TIMEOUT.total_seconds()
        )
        healthy = await client.service_client.check_health(timeout=TEMPORAL_TIMEOUT)
        return OK if healthy else "unhealthy"
    except Exception as exc:  # health reports every failure instead of raising it
        return f"unreachable: {exc.__class__.__name__}"


def _sentence(check: str, state: str, request: Request) -> str:
    if check == "store":
        return f"The store does not answer ({state})."
    if check == "temporal":
        address = request.app.state.settings.temporal_address
        return f"Temporal at {address} does not answer ({state})."
    return state


@router.get("/health/live")
async def live() -> JSONResponse:
    """Liveness: the process and its event loop answer. Restart the process when this fails."""
    return JSONResponse({"status": "alive"})


@router.get(
    "/health/ready",
    responses={503: {"description": "A sentence per failing check: store, Temporal, schema"}},
)
async def ready(request: Request, engine: EngineDep) -> JSONResponse:
    """Readiness: store reachable, Temporal reachable, store schema at this version's revision."""
    store, schema, temporal = await asyncio.gather(
        asyncio.to_thread(_store_ok, engine),
        asyncio.to_thread(_schema_ok, engine),
        _temporal_ok(request),
    )
    checks = {"store": store, "temporal": temporal, "migrations": schema}
    if store != OK:
        checks["migrations"] = "not checked: the store does not answer"
    failing = {name: state for name, state in checks.items() if state != OK}
    if failing:
        detail = " ".join(
            _sentence(name, state, request)
            for name, state in failing.items()
            if not state.startswith("not checked")
        )
        return problem_response(503, detail, checks=checks)
    return JSONResponse({"status": "ready", "checks": checks})


@router.get("/health", responses={503: {"description": "The store or Temporal is down"}})
async def health(request: Request, engine: EngineDep) -> JSONResponse:
    """Operations: 200 when the store and Temporal answer, 503 naming what does not."""
    checks = {"store": await asyncio.to_thread(_store_ok, engine)}
    checks["temporal"] = await _temporal_ok(request)
    down = [name for name, state in checks.items() if state != OK]
    if down:
        return problem_response(503, f"not reachable: {', '.join(down)}", checks=checks)
    return JSONResponse({"status": "ok", "checks": checks})
