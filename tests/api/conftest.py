"""The API over HTTP (httpx in-process) against the real Temporal dev server and a worker."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.tokens import issue_local_token
from sg989.settings import Settings
from store.db import make_engine, session_scope
from store.models import CaseRegistration, Person
from tests.conftest import TEST_KEYS
from tests.databases import fresh_database_url

UNIT = "CLAS/11LMB"
USERS: dict[str, dict[str, Any]] = {
    "commandant": {"sub": "cdt-1", "roles": ["commandant"], "units": [UNIT]},
    "coid_adviseur": {"sub": "coid-1", "roles": ["coid_adviseur"], "units": ["CLAS"]},
    "onderzoeker": {"sub": "ond-1", "roles": ["onderzoeker"], "units": ["CLAS"]},
    "jurist": {"sub": "jur-1", "roles": ["jurist"], "units": ["CLAS"]},
    "hac": {"sub": "hac-1", "roles": ["hac"], "units": ["CLAS"]},
    "nazorg": {"sub": "naz-1", "roles": ["nazorg"], "units": ["CLAS"]},
    "auditor": {"sub": "aud-1", "roles": ["auditor"], "units": ["CLAS"]},
    "beheerder": {"sub": "beh-1", "roles": ["beheerder"], "units": ["CLAS"]},
    # Same roles, other defensieonderdeel: every case of CLAS is outside their scope.
    "outsider": {
        "sub": "cdt-9",
        "roles": ["commandant", "coid_adviseur", "auditor"],
        "units": ["CLSK"],
    },
}
MELDING: dict[str, Any] = {
    "unit": UNIT,
    "category": "ongewenste_omgangsvormen",
    "channel": "webformulier",
    "melder_type": "medewerker",
    "melder_contact": "melder@example.invalid",
    "description": "Herhaald kleineren van een collega tijdens oefening.",
    "betrokkenen": ["BTR-1"],
}


_offsets = itertools.count(1)


def fresh_engine(tmp_path: Path) -> Engine:
    """A fresh store whose case numbers start past those of earlier tests: the dev server lives
    for the whole session, and a case number is a workflow id there."""
    engine = make_engine(fresh_database_url(tmp_path))
    SQLModel.metadata.create_all(engine)
    offset = next(_offsets) * 1000 + random.randrange(1000) * 100_000
    with session_scope(engine) as session:
        session.add(CaseRegistration(id=offset, case_id=f"seed-{offset}", requested_by="test"))
        # The directory: reassignment goes only to a person who holds the task's role in scope.
        for who, user in {**USERS, "cdt-2": {**USERS["commandant"], "sub": "cdt-2"}}.items():
            session.add(
                Person(
                    sub=user["sub"], name=f"Test {who}", roles=user["roles"], units=user["units"]
                )
            )
        if engine.dialect.name == "postgresql":  # an explicit id does not move the sequence there
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('caseregistration', 'id'), {offset})")
            )
    return engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = fresh_engine(tmp_path)
    yield engine
    engine.dispose()  # its pooled connections go now, not whenever the engine is collected


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys") / "signing-key.pem"


@pytest.fixture
def settings(tmp_path: Path, task_queue: str, key_file: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        task_queue=task_queue,
        local_signing_key_file=key_file,
        payload_keys=SecretStr(TEST_KEYS),
    )


@pytest.fixture
def headers(settings: Settings) -> Callable[[str], dict[str, str]]:
    def for_user(who: str) -> dict[str, str]:
        user = USERS[who]
        name = f"Test {who}"
        token = issue_local_token(settings, name=name, **user)
        return {"Authorization": f"Bearer {token}"}

    return for_user


def http(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sg989")


@pytest_asyncio.fixture
async def api(
    dev_worker: WorkflowEnvironment, engine: Engine, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    async def provider() -> Client:
        return dev_worker.client

    async with http(create_app(settings, engine, provider)) as client:
        yield client


async def no_temporal() -> Client:
    raise RuntimeError("Failed client connect: connection refused")


@pytest_asyncio.fixture
async def api_without_temporal(
    engine: Engine, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The API while Temporal is down: reads work, writes answer 503."""
    async with http(create_app(settings, engine, no_temporal)) as client:
        yield client
