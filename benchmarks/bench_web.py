"""Latency of the web app's inbox (Mijn taken) over a large store:
`python -m benchmarks.bench_web [--cases 10000] [--runs 30]`.

Fills a fresh SQLite store with N open cases (two open tasks each, one of them for the COID) by
bulk inserts, signs a COID adviser of the whole DO in through the sign-in page, then times the
rendered inbox page (first page, filtered, and a deep page by its keyset cursor) and Termijnen
(every running clock of the cases) against GET /tasks, the JSON the API gives for the same
inbox, in the same process. Prints p50/p95; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from api.main import create_app
from api.queries import encode_cursor
from api.tokens import issue_local_token
from sg989.settings import Settings
from store.db import as_utc, make_engine, session_scope
from store.models import Case, Person, Task

BATCH = 2000


def fill(engine: Engine, cases: int) -> None:
    now = datetime.now(UTC)
    for start in range(0, cases, BATCH):
        numbers = range(start, min(cases, start + BATCH))
        case_rows: list[dict[str, Any]] = []
        task_rows: list[dict[str, Any]] = []
        for n in numbers:
            case_id, unit = f"ZK-BENCH-{n:06d}", f"CLAS/UNIT-{n % 40:02d}"
            case_rows.append(
                dict(
                    case_id=case_id, do="CLAS", unit=unit, category="financieel", channel="mid",
                    melder_type="medewerker", phase="weging", status="open", variant="standaard",
                    policy_version="", description="", last_seq=1, imported=False,
                    registered_at=now - timedelta(minutes=n),
                )
            )  # fmt: skip
            for t, role in enumerate(("coid_adviseur", "commandant")):
                task_rows.append(
                    dict(
                        task_id=f"{case_id}-T{t}", case_id=case_id, task_type="weging",
                        phase="weging", role=role, unit=unit, label="Weging (bindend advies COID)",
                        status="open", basis="assumed", assignees=[], opened_at=now,
                        due_at=now + timedelta(days=(n % 60) - 10), escalation_level=n % 3 // 2,
                        extensions=0, reminded=False,
                    )
                )  # fmt: skip
        with session_scope(engine) as session:
            session.execute(insert(Case), case_rows)
            session.execute(insert(Task), task_rows)
        print(f"  seeded {numbers[-1] + 1:>6} / {cases} cases", flush=True)


def deep_page(engine: Engine, cases: int, page_size: int = 25) -> str:
    """The address of the inbox's last page, as "Volgende" would have led there."""
    with session_scope(engine) as session:
        due_at, task_id = session.execute(
            select(Task.due_at, Task.task_id)  # type: ignore[call-overload]
            .where(Task.role == "coid_adviseur")
            .order_by(Task.due_at, Task.task_id)
            .offset(cases - page_size - 1)
            .limit(1)
        ).one()
    cursor = encode_cursor("task", as_utc(due_at), task_id)
    return f"/app/taken?na={cursor}&pagina={cases // page_size}"


async def timed(client: httpx.AsyncClient, url: str, runs: int, **kw: Any) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.get(url, **kw)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def summary(name: str, times: list[float]) -> str:
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times)
    return f"{name:<44} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms"


async def sign_in(client: httpx.AsyncClient, sub: str) -> None:
    page = await client.get("/app/aanmelden")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = await client.post("/app/aanmelden", data={"csrf_token": token[1], "sub": sub})
    assert response.status_code == 303


async def run(cases: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        engine = make_engine(settings.sqlalchemy_url)
        SQLModel.metadata.create_all(engine)
        print(f"seeding {cases} open cases (bulk inserts)...", flush=True)
        fill(engine, cases)
        with session_scope(engine) as session:
            session.add(Person(sub="coid-b", name="Bench", roles=["coid_adviseur"], units=["CLAS"]))
        app = create_app(settings, engine)
        token = issue_local_token(
            settings, sub="coid-b", name="Bench", roles=["coid_adviseur"], units=["CLAS"]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await sign_in(client, "coid-b")
            await client.get("/app/taken")  # warm-up: templates compiled
            api = await timed(client, "/tasks", runs, headers={"Authorization": f"Bearer {token}"})
            inbox = await timed(client, "/app/taken", runs)
            filtered = await timed(client, "/app/taken?te_laat=1&eenheid=CLAS/UNIT-07", runs)
            last = await timed(client, deep_page(engine, cases), runs)
            clocks = await timed(client, "/app/termijnen", max(3, runs // 5))
        print(f"\n{cases} open cases, {cases} tasks in the COID inbox, {runs} runs each")
        print(summary("GET /tasks (API JSON, baseline)", api))
        print(summary("GET /app/taken (Mijn taken, first 25)", inbox))
        print(summary("GET /app/taken?te_laat=1&eenheid=... (filter)", filtered))
        print(summary("GET /app/taken?na=... (last page, keyset)", last))
        print(summary("GET /app/termijnen (every clock, 90 days)", clocks))
        ratio = statistics.median(inbox) / statistics.median(api)
        print(f"inbox page / API baseline (p50): {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.cases, args.runs))


if __name__ == "__main__":
    main()
