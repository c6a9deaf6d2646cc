"""GET /health: can the API reach the store and Temporal?"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlmodel import Session

from api.deps import EngineDep
from api.problems import problem_response

router = APIRouter(tags=["operations"])
TEMPORAL_TIMEOUT = timedelta(seconds=3)


def _store_ok(engine: EngineDep) -> str:
    try:
        with Session(engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        return "ok"
    except Exception as exc:  # health reports every failure instead of raising it
        return f"unreachable: {exc.__class__.__name__}"


async def _temporal_ok(request: Request) -> str:
    try:
        client = await asyncio.wait_for(
            request.app.state.client_provider(), TEMPORAL_TIMEOUT.total_seconds()
        )
        healthy = await client.service_client.check_health(timeout=TEMPORAL_TIMEOUT)
        return "ok" if healthy else "unhealthy"
    except Exception as exc:  # health reports every failure instead of raising it
        return f"unreachable: {exc.__class__.__name__}"


@router.get("/health", responses={503: {"description": "The store or Temporal is down"}})
async def health(request: Request, engine: EngineDep) -> JSONResponse:
    """Operations: 200 when the store and Temporal answer, 503 naming what does not."""
    # Off the event loop, and beside (not behind) the requests queued in the API's threadpool.
    store = await asyncio.to_thread(_store_ok, engine)
    checks = {"store": store, "temporal": await _temporal_ok(request)}
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        return problem_response(503, f"not reachable: {', '.join(down)}", checks=checks)
    return JSONResponse({"status": "ok", "checks": checks})
