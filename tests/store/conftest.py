"""Fixtures for the store tests: a database migrated to the newest schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from store.db import make_engine
from store.migrate import upgrade_to_head
from tests.databases import fresh_database_url


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database_url(tmp_path, "store")
    upgrade_to_head(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
