"""Alembic environment: the target schema is every table in store.models."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _migrate(*, sqlite: bool, **kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=sqlite,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        **kwargs,
    )
    with context.begin_transaction():
        context.run_migrations()


def _migrate_connection(connection: Connection) -> None:
    _migrate(sqlite=connection.dialect.name == "sqlite", connection=connection)


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    _migrate(
        sqlite=url.startswith("sqlite"),
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )


def run_online() -> None:
    given: Connection | None = config.attributes.get("connection")
    if given is not None:
        _migrate_connection(given)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        _migrate_connection(connection)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
