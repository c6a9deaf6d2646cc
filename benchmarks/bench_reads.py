"""Read latency of the API over a large store: `python -m benchmarks.bench_reads [--cases N]`.

Fills a fresh SQLite store with N open cases (3 tasks and one betrokkene each) in one DO, then
times GET /cases (first page of 20) and GET /tasks for a COID adviser who serves that whole DO.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import SQLModel

from api.main import create_app
from api.tokens import issue_local_token
from domain.roles import Role
from sg989.settings import Settings
from store.db import make_engine, session_scope
from store.models import Betrokkene, Case, Task


def fill(engine, cases: int) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for n in range(cases):
            case_id = f"ZK-BENCH-{n:06d}"
            unit = f"CLAS/UNIT-{n % 40:02d}"
            session.add(
                Case(
                    case_id=case_id, do="CLAS", unit=unit, category="financieel",
                    channel="mid", melder_type="medewerker", phase="weging",
                    registered_at=now - timedelta(minutes=n),
                )
            )  # fmt: skip
            session.flush()  # the case row first: betrokkene and tasks refer to it
            session.add(Betrokkene(case_id=case_id, ref=f"BTR-{n}"))
            for t, (role, due) in enumerate(
                [("coid_adviseur", 3), ("commandant", 9), ("coid_adviseur", 90)]
            ):
                session.add(
                    Task(
                        task_id=f"{case_id}-T{t}", case_id=case_id, task_type="weging",
                        phase="weging", role=role, unit=unit, label="Weging", status="open",
                        basis="assumed",
                        opened_at=now, due_at=now + timedelta(days=due - n % 5),
                    )
                )  # fmt: skip


async def timed(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], runs: int
) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = await client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return times


async def main(cases: int, runs: int) -> None:
    folder = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=folder)
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    fill(engine, cases)
    token = issue_local_token(
        settings, sub="coid-1", name="COID", roles=[Role.coid_adviseur], units=["CLAS"]
    )
    headers = {"Authorization": f"Bearer {token}"}

    async def no_temporal():  # type: ignore[no-untyped-def]
        raise RuntimeError("not needed for reads")

    app = create_app(settings, engine, no_temporal)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for url in ("/cases?page=1&page_size=20", "/tasks"):
            times = await timed(client, url, headers, runs)
            print(
                f"{url:28} {cases:>6} cases: median {statistics.median(times):8.1f} ms, "
                f"max {max(times):8.1f} ms over {runs} requests"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.runs))
