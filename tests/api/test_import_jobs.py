"""Large legacy imports run in the background (ImportWorkflow); GET /imports/{id} shows progress."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api.routers import reports as reports_router
from store.models import Case
from tests.reports.fixture_rows import jid2021_rows, to_csv

FINISHED = ("imported", "already_imported", "rejected")


def as_csv(headers, who: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**headers(who), "Content-Type": "text/csv"}


async def finished(api: httpx.AsyncClient, location: str, headers) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 90
    while True:
        body: dict[str, Any] = (await api.get(location, headers=headers("beheerder"))).json()
        if body["status"] in FINISHED:
            return body
        assert time.monotonic() < deadline, f"the import did not finish: {body}"
        await asyncio.sleep(0.2)


@pytest.fixture
def everything_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports_router, "LARGE_IMPORT_CHARACTERS", 10)


async def test_a_large_file_is_imported_in_the_background(
    api: httpx.AsyncClient, headers, engine: Engine, everything_is_large: None
) -> None:
    csv = to_csv(jid2021_rows())
    started = await api.post("/imports", content=csv, headers=as_csv(headers, "beheerder"))
    assert started.status_code == 202
    location = started.headers["location"]
    assert location.startswith("/imports/import-")
    body = await finished(api, location, headers)
    assert body["status"] == "imported", body
    assert body["progress"].startswith("imported") and body["result"]["cases"] > 0
    with Session(engine) as session:
        stored = session.exec(select(func.count()).where(Case.imported)).one()  # type: ignore[arg-type]
    assert stored == body["result"]["cases"]

    again = await api.post("/imports", content=csv, headers=as_csv(headers, "beheerder"))
    assert (await finished(api, again.headers["location"], headers))["status"] == "already_imported"
    assert (await api.get(location, headers=headers("commandant"))).status_code == 403
    missing = await api.get("/imports/import-unknown", headers=headers("beheerder"))
    assert missing.status_code == 404


async def test_a_rejected_large_file_keeps_every_error(
    api: httpx.AsyncClient, headers, everything_is_large: None
) -> None:
    csv = (
        "case_ref,do,unit,registered_on,system,category,betrokkene,measure,decided_on\n"
        "M-1,CLAS,CLAS/11LMB,2021-01-05,MVV,financieel,B1,foo,2021-03-01\n"
    )
    started = await api.post("/imports", content=csv, headers=as_csv(headers, "beheerder"))
    body = await finished(api, started.headers["location"], headers)
    assert body["status"] == "rejected"
    assert body["result"]["errors"][0].startswith("line 2: measure 'foo'")


async def test_without_temporal_a_large_import_is_refused_and_not_kept(
    api_without_temporal: httpx.AsyncClient, headers, engine: Engine, everything_is_large: None
) -> None:
    csv = to_csv(jid2021_rows())
    response = await api_without_temporal.post(
        "/imports", content=csv, headers=as_csv(headers, "beheerder")
    )
    assert response.status_code == 503 and "nothing was imported" in response.json()["detail"]
