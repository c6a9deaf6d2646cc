"""Losing the store (PostgreSQL) and getting it back, as the API's users and the worker see it.

The API and the worker reach PostgreSQL through a relay that the test cuts: open connections are
reset and new ones refused, as when the server dies. Runs with SG989_TEST_DATABASE_URL
(`make test-postgres`); on the SQLite default there is no server to lose.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from alembic import command
from sqlalchemy import make_url
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from domain.phases import TaskType
from store.audit import verify_chain
from store.db import make_engine
from store.migrate import alembic_config
from store.models import AuditEvent
from tests.api.conftest import MELDING, fresh_engine
from tests.api.helpers import Users
from tests.store_link import StoreLink
from tests.workflows.driver import COID, CaseDriver

SERVER = os.environ.get("SG989_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="needs PostgreSQL (make test-postgres)"
)
Headers = Callable[[str], dict[str, str]]
RECEIPT = {"verzonden_op": "2026-11-30", "kanaal": "email"}
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def link() -> Iterator[StoreLink]:
    relay = StoreLink(SERVER)
    relay.up()
    yield relay
    relay.down()


@pytest.fixture
def engine(tmp_path: Path, link: StoreLink) -> Iterator[Engine]:
    """A fresh database, reached only through the relay (by the API and the worker alike)."""
    direct = fresh_engine(tmp_path)
    database = direct.url.database
    # The tables are the models' (as every API test's); mark them as at head for readiness.
    command.stamp(alembic_config(direct.url.render_as_string(hide_password=False)), "head")
    direct.dispose()
    relayed = make_engine(make_url(link.url).set(database=database).render_as_string(False))
    yield relayed
    relayed.dispose()


@pytest_asyncio.fixture
async def users(api: httpx.AsyncClient, headers: Headers) -> AsyncIterator[Users]:
    yield Users(api, headers)


def taak_afgerond(engine: Engine, case_id: str) -> list[str]:
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, col(AuditEvent.event_type) == "taak_afgerond"
            )
        ).all()
    return sorted(str(event.details["task_type"]) for event in events)


async def until_ready(api: httpx.AsyncClient, attempts: int = 900) -> httpx.Response:
    for _ in range(attempts):
        response = await api.get("/health/ready")
        if response.status_code == 200:
            return response
        await asyncio.sleep(0.1)
    return response


async def test_store_loss_answers_503_and_nothing_is_lost_once_it_is_back(
    api: httpx.AsyncClient,
    users: Users,
    headers: Headers,
    engine: Engine,
    link: StoreLink,
    dev_worker: WorkflowEnvironment,
) -> None:
    case_id = await users.register()
    receipt = await users.task("coid_adviseur", case_id, "ontvangstbevestiging")
    complete_url = f"/tasks/{receipt['task_id']}/complete"
    keyed = {**headers("coid_adviseur"), "Idempotency-Key": "outage-1"}

    link.down()
    ready = await api.get("/health/ready")
    inbox = await api.get("/tasks", headers=headers("coid_adviseur"))
    completion = await api.post(complete_url, json=RECEIPT, headers=keyed)
    registration = await api.post("/cases", json=MELDING, headers=headers("commandant"))
    live = await api.get("/health/live")
    metrics = await api.get("/metrics")

    assert ready.status_code == 503
    assert ready.headers["content-type"] == PROBLEM_JSON
    assert ready.json()["checks"]["store"] != "ok"
    assert "The store does not answer" in ready.json()["detail"]
    for refused in (inbox, completion, registration):
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == PROBLEM_JSON
        assert "store" in refused.json()["detail"]
    assert live.status_code == 200
    assert metrics.status_code == 200
    assert "sg989_store_up 0.0" in metrics.text

    # The workflow engine still takes a step while the store is gone: its write waits and retries.
    driver = CaseDriver(dev_worker.client.get_workflow_handle(case_id))
    assert (await driver.state()).tasks[receipt["task_id"]].status == "open"
    contact = asyncio.create_task(
        driver.complete(TaskType.intake_contact, COID, {"samenvatting": "Melder gesproken."})
    )
    await asyncio.sleep(1.5)  # long enough for the write to fail at least once
    assert not contact.done()

    link.up()
    back = await until_ready(api)
    assert back.status_code == 200, back.text
    again = await api.post(complete_url, json=RECEIPT, headers=keyed)
    assert again.status_code == 200, again.text
    await asyncio.wait_for(contact, timeout=180)

    assert taak_afgerond(engine, case_id) == ["intake_contact", "ontvangstbevestiging"]
    with Session(engine) as session:
        assert verify_chain(session, case_id).ok
    inbox_after = await users.task("commandant", case_id, "keuze_afhandeling")
    assert inbox_after["status"] == "open"
