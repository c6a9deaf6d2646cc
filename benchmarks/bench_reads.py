"""Read latency of the API over a large store: `python -m benchmarks.bench_reads`.

Fills a fresh store with bulk inserts (not through Temporal): N open cases spread over the
defensieonderdelen, each with a sealed melder contact, a betrokkene and three tasks; the COID
adviser measured is linked as a party to one case in 50 (those the queries must leave out).
Then times, in-process over ASGI, the first page of GET /tasks and GET /cases (page_size 20)
for a COID adviser who serves the whole of CLAS (every contact on the page is theirs to see:
opened, and access-logged), and prints p50/p95 and the response size, for a small store (the
baseline, same run) and the large one. SQLite by default; also PostgreSQL when --database-url or
SG989_TEST_DATABASE_URL names a server (`bash .ci/with-postgres make bench-reads` starts one).
Requests to both stores alternate, and each p95 is also printed as a ratio to the small
store's, with the load average and the process's CPU time per request (client included):
on a shared machine those are the figures that hold.
Prints figures; asserts nothing. Target (issue 8): p95 <= 50 ms at 100,000 cases, and a
response size that does not grow with the store.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, make_url, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio.client import Client

import store.models  # noqa: F401  (registers the tables)
from api.main import create_app
from api.tokens import issue_local_token
from benchmarks.sealing import BENCH_KEYS
from domain.roles import Role
from sg989.keys import parse_keys
from sg989.settings import Settings
from store.db import make_engine
from store.models import Betrokkene, Case, CaseParty, Task
from store.sealed import use_keyring

DOS = ["CLAS", "CLAS", "CZSK", "CLSK", "KMar", "BS", "DOSCO", "DMO"]  # CLAS: a quarter
UNITS = ["11LMB", "13LTBRIG", "43MECHBRIG", "KCT", "OTCMAN"]
URLS = ("/tasks?page_size=20", "/cases?page_size=20")
CHUNK = 5_000
ADVISER = "coid-1"


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _case_rows(cases: int, now: datetime) -> Iterator[dict[str, Any]]:
    for n in range(cases):
        do = DOS[n % len(DOS)]
        yield {
            "case_id": f"ZK-BENCH-{n:06d}", "do": do, "unit": f"{do}/{UNITS[n % 5]}",
            "category": "financieel", "channel": "mid", "melder_type": "medewerker",
            "variant": "standaard", "policy_version": "2026.1", "phase": "weging",
            "status": "open", "description": "Een melding over declaraties. " * 4,
            "registered_at": now - timedelta(minutes=n), "updated_at": now, "last_seq": 5,
            "imported": False, "melder_contact": f"melder-{n}@example.invalid",
        }  # fmt: skip


def _task_rows(cases: int, now: datetime) -> Iterator[dict[str, Any]]:
    plan = [("coid_adviseur", 3, []), ("commandant", 9, []), ("onderzoeker", 40, ["ond-7"])]
    for n in range(cases):
        do = DOS[n % len(DOS)]
        for t, (role, due, assignees) in enumerate(plan):
            yield {
                "task_id": f"ZK-BENCH-{n:06d}-T{t}", "case_id": f"ZK-BENCH-{n:06d}",
                "task_type": "weging", "phase": "weging", "role": role,
                "unit": f"{do}/{UNITS[n % 5]}", "label": "Weging", "assignees": assignees,
                "status": "open" if n % 10 else "done", "basis": "assumed", "opened_at": now,
                "due_at": now + timedelta(days=due - n % 30, minutes=n % 997),
                "reminded": False, "escalation_level": 0, "extensions": 0,
            }  # fmt: skip


def fill(engine: Engine, cases: int) -> None:
    """Bulk inserts, a chunk per statement: minutes of Temporal work done in seconds."""
    now = datetime.now(UTC)
    betrokkenen = (
        {"case_id": f"ZK-BENCH-{n:06d}", "ref": f"BTR-{n}", "in_onderzoek": True,
         "geschorst": False}
        for n in range(cases)
    )  # fmt: skip
    parties = ({"case_id": f"ZK-BENCH-{n:06d}", "sub": ADVISER} for n in range(0, cases, 50))
    with engine.begin() as connection:
        for table, rows in (
            (Case, _case_rows(cases, now)),
            (Betrokkene, betrokkenen),
            (Task, _task_rows(cases, now)),
            (CaseParty, parties),
        ):
            for chunk in _chunks(rows):  # the column type seals each contact
                connection.execute(insert(table), chunk)  # type: ignore[arg-type]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


Figures = dict[tuple[int, str], tuple[float, float, float, int, float]]


async def measure(engines: dict[int, Engine], settings: Settings, runs: int) -> Figures:
    """Requests to the small and the large store alternate, so that the machine's load weighs
    on both alike and their ratio means something on a busy machine."""
    token = issue_local_token(
        settings, sub=ADVISER, name="COID", roles=[Role.coid_adviseur], units=["CLAS"]
    )
    headers = {"Authorization": f"Bearer {token}"}

    async def no_temporal() -> Client:
        raise RuntimeError("not needed for reads")

    clients = {
        cases: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, engine, no_temporal)),
            base_url="http://bench",
        )
        for cases, engine in engines.items()
    }
    times: dict[tuple[int, str], list[float]] = {(c, u): [] for c in engines for u in URLS}
    cpu: dict[tuple[int, str], float] = {key: 0.0 for key in times}
    sizes: dict[tuple[int, str], int] = {}
    for (cases, url), _ in times.items():  # warm-up: caches, prepared plans
        await clients[cases].get(url, headers=headers)
    for _ in range(runs):
        for (cases, url), taken in times.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            response = await clients[cases].get(url, headers=headers)
            taken.append((time.perf_counter() - started) * 1000)
            cpu[cases, url] += (time.process_time() - cpu_started) * 1000 / runs
            response.raise_for_status()
            sizes[cases, url] = len(response.content)
    for client in clients.values():
        await client.aclose()
    return {
        key: (statistics.median(t), percentile(t, 0.95), max(t), sizes[key], cpu[key])
        for key, t in times.items()
    }


def fresh_engine(server: str | None, folder: Path, name: str) -> Engine:
    if not server:
        engine = make_engine(f"sqlite:///{(folder / f'{name}.db').as_posix()}")
    else:
        database = f"sg989_bench_{name}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        engine = make_engine(make_url(server).set(database=database).render_as_string(False))
    SQLModel.metadata.create_all(engine)
    return engine


def run(server: str | None, sizes: list[int], runs: int) -> None:
    folder = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=folder, local_signing_key_file=folder / "key.pem")
    label = "PostgreSQL" if server else "SQLite"
    engines = {}
    for cases in sizes:
        engines[cases] = fresh_engine(server, folder, f"c{cases}")
        started = time.perf_counter()
        fill(engines[cases], cases)
        print(f"{label}: {cases:,} cases filled in {time.perf_counter() - started:.1f} s")
    load = os.getloadavg()[0]
    figures = asyncio.run(measure(engines, settings, runs))
    print(
        f"  load average {load:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)"
    )
    for (cases, url), (p50, p95, worst, size, cpu) in sorted(
        figures.items(), key=lambda f: f[0][1]
    ):
        ratio = p95 / figures[sizes[0], url][1]
        print(
            f"  {label:10} {cases:>7,} cases  GET {url:22} p50 {p50:6.1f} ms  "
            f"p95 {p95:6.1f} ms  max {worst:6.1f} ms  cpu {cpu:5.1f} ms  {size:>7,} bytes  "
            f"p95 {ratio:4.2f}x the {sizes[0]:,}-case store's"
        )
    for engine in engines.values():
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000, help="small store, same run")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get("SG989_TEST_DATABASE_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    use_keyring(parse_keys(BENCH_KEYS, "benchmark"))
    sizes = [args.baseline, args.cases]
    print("COID adviser serving all of CLAS (a quarter of the store); first pages of 20")
    run(None, sizes, args.runs)
    if args.database_url and not args.sqlite_only:
        run(args.database_url, sizes, args.runs)


if __name__ == "__main__":
    main()
