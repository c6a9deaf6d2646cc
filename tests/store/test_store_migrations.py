"""The shipped migrations build exactly the schema the code expects."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables)
from store.migrate import alembic_config, upgrade_to_head


def _url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def test_upgrade_creates_every_table_in_a_new_folder(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "nested" / "sg989.db"
    upgrade_to_head(_url(db))
    upgrade_to_head(_url(db))  # a second start of the application changes nothing

    assert db.exists()
    tables = set(inspect(create_engine(_url(db))).get_table_names())
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    """Fails when a model changes without a migration: write one with alembic autogenerate."""
    url = _url(tmp_path / "sg989.db")
    upgrade_to_head(url)
    with create_engine(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_downgrade_removes_the_schema_again(tmp_path: Path) -> None:
    url = _url(tmp_path / "sg989.db")
    upgrade_to_head(url)
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(create_engine(url)).get_table_names()) == {"alembic_version"}
