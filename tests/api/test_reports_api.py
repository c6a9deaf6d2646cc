"""The reports router through the real app: legacy import and annual report, real tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest_asyncio

from api.main import create_app
from tests.api.conftest import http, no_temporal

HEADER = "case_ref,do,unit,registered_on,system,category,betrokkene,measure,decided_on"
ROW = "M-1,CLAS,CLAS/11LMB,2021-01-05,MVV,financieel,B1,ontslag,2021-03-01"
Headers = Callable[[str], dict[str, str]]


@pytest_asyncio.fixture
async def client(engine, settings) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with http(create_app(settings, engine, no_temporal)) as c:
        yield c


def csv_as(headers: Headers, who: str) -> dict[str, str]:
    return headers(who) | {"Content-Type": "text/csv"}


async def test_beheerder_imports_a_file_once(client: httpx.AsyncClient, headers: Headers) -> None:
    body = "\n".join([HEADER, ROW])
    files = {"file": ("mvv.csv", body.encode(), "text/csv")}
    first = await client.post("/imports", files=files, headers=headers("beheerder"))
    assert first.status_code == 201 and first.json()["cases"] == 1
    again = await client.post("/imports", content=body, headers=csv_as(headers, "beheerder"))
    assert again.status_code == 200 and again.json()["status"] == "already_imported"


async def test_a_bad_file_gets_every_line_error_and_stores_nothing(
    client: httpx.AsyncClient, headers: Headers
) -> None:
    body = "\n".join([HEADER, ROW.replace("ontslag", "foo"), ROW.replace("CLAS,", "XX,", 1)])
    response = await client.post("/imports", content=body, headers=csv_as(headers, "beheerder"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert errors[0].startswith("line 2: measure 'foo'") and errors[1].startswith("line 3: do 'XX'")
    report = await client.get("/reports/annual?year=2021&do=CLAS", headers=headers("auditor"))
    assert report.json()["sections"][0]["tables"][0]["rows"][0]["cells"][2] == 0


async def test_annual_report_for_readers_in_json_and_csv(
    client: httpx.AsyncClient, headers: Headers
) -> None:
    await client.post(
        "/imports", content="\n".join([HEADER, ROW]), headers=csv_as(headers, "beheerder")
    )
    response = await client.get("/reports/annual?year=2021&do=clas", headers=headers("auditor"))
    assert response.status_code == 200
    assert response.json()["sections"][0]["tables"][0]["rows"][0]["cells"][2] == 1
    forbidden = await client.get("/reports/annual?year=2021", headers=headers("onderzoeker"))
    assert forbidden.status_code == 403
    csv = await client.get("/reports/annual?year=2021&format=csv", headers=headers("commandant"))
    assert csv.headers["content-type"].startswith("text/csv")
