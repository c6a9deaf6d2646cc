"""A fresh database per test: SQLite by default, or PostgreSQL with SG989_TEST_DATABASE_URL.

SG989_TEST_DATABASE_URL names a PostgreSQL server the tests may create databases on, e.g.
postgresql+psycopg://postgres@localhost/postgres; each test then gets a database of its own.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text


def fresh_database_url(tmp_path: Path, name: str = "sg989") -> str:
    server = os.environ.get("SG989_TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{(tmp_path / f'{name}.db').as_posix()}"
    database = f"sg989_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return make_url(server).set(database=database).render_as_string(hide_password=False)
