"""A fresh store per test, and the JID-2021 fixtures as one legacy import file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables)
from store.db import make_engine
from tests.databases import fresh_database_url
from tests.reports.fixture_rows import jid2021_rows, to_csv


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    engine = make_engine(fresh_database_url(tmp_path, "reports"))
    SQLModel.metadata.create_all(engine)
    return engine


@pytest.fixture(scope="session")
def jid2021_csv() -> str:
    return to_csv(jid2021_rows())
