"""Health for load balancers and orchestrators, and Prometheus metrics for alerting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from sg989.settings import Settings
from store.db import make_engine, session_scope
from store.migrate import upgrade_to_head
from store.models import Case, OutboxNotification, Task
from tests.api.conftest import http, no_temporal
from tests.databases import fresh_database_url


def migrated_store(tmp_path: Path) -> Engine:
    url = fresh_database_url(tmp_path, "ops")
    upgrade_to_head(url)
    return make_engine(url)


async def test_ready_when_store_temporal_and_schema_are_fine(
    dev_env: WorkflowEnvironment, tmp_path: Path, settings: Settings
) -> None:
    async def provider():  # type: ignore[no-untyped-def]
        return dev_env.client

    async with http(create_app(settings, migrated_store(tmp_path), provider)) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"store": "ok", "temporal": "ok", "migrations": "ok"}


async def test_not_ready_says_what_is_wrong_in_a_sentence_each(
    engine: Engine, settings: Settings
) -> None:
    # `engine` has the tables but no Alembic revision, and Temporal does not answer.
    async with http(create_app(settings, engine, no_temporal)) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    detail = ready.json()["detail"]
    assert f"Temporal at {settings.temporal_address} does not answer" in detail
    assert "The store has no schema yet" in detail and "run `sg989 migrate`" in detail
    assert ready.json()["checks"]["store"] == "ok"


async def test_metrics_count_requests_and_read_the_store(
    tmp_path: Path, settings: Settings
) -> None:
    engine = migrated_store(tmp_path)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for number, phase in enumerate(["intake", "intake", "weging"], start=1):
            session.add(
                Case(
                    case_id=f"ZK-2026-{number:05d}", do="CLAS", unit="CLAS/11LMB",
                    category="financieel", channel="lijn", melder_type="medewerker", phase=phase,
                )
            )  # fmt: skip
        session.flush()
        session.add(
            Task(
                task_id="t-1", case_id="ZK-2026-00001", task_type="keuze_afhandeling",
                phase="intake", role="commandant", unit="CLAS/11LMB", label="Keuze",
                status="open", basis="assumed", due_at=now - timedelta(days=2),
                escalation_level=1,
            )
        )  # fmt: skip
        session.add(
            OutboxNotification(
                case_id="ZK-2026-00001", seq=1, idx=0, recipient_role="commandant",
                recipient_unit="CLAS/11LMB", kind="escalatie", text="Termijn verstreken",
                created_at=now - timedelta(hours=1),
            )
        )  # fmt: skip
    async with http(create_app(settings, engine, no_temporal)) as client:
        await client.get("/health/live")
        await client.get("/cases")  # 401: no token
        metrics = (await client.get("/metrics")).text

    def value(pattern: str) -> float:
        found = re.search(rf"^{pattern} ([0-9.e+]+)$", metrics, re.MULTILINE)
        assert found, f"{pattern} not in /metrics"
        return float(found.group(1))

    assert value(r'http_requests_total\{handler="/cases",method="GET",status="401"\}') == 1
    assert value(r'http_request_duration_seconds_count\{handler="/cases",method="GET"\}') == 1
    assert value(r'sg989_open_cases\{phase="intake"\}') == 2
    assert value(r'sg989_open_cases\{phase="weging"\}') == 1
    assert value(r'sg989_overdue_tasks\{do="CLAS"\}') == 1
    assert value(r'sg989_escalated_tasks\{do="CLAS"\}') == 1
    assert value("sg989_outbox_backlog") == 1
    assert 3500 < value("sg989_outbox_oldest_undelivered_seconds") < 3700
    assert value("sg989_store_up") == 1
