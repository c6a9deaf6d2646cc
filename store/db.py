"""Engine and sessions. SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,  # values (free text, names) never reach a log or error message
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a recorded step survives power loss, not only a crash of the process. The
            # audit timeline must outlive Temporal, so it does not trade that away for the one
            # fsync per step that NORMAL would save.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commits on success, rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """``session_scope`` for the step writes: on SQLite the transaction starts with
    ``BEGIN IMMEDIATE``, so it takes the write lock at once (waiting the busy timeout for it)
    and its reads and writes are one transaction, and SAVEPOINTs nest inside it.

    pysqlite's own transaction handling emits BEGIN only before an INSERT, UPDATE or DELETE:
    a transaction that starts with a SAVEPOINT would commit at its RELEASE, and reads before
    the first write would run outside it. Issuing BEGIN ourselves as the first statement
    keeps pysqlite out of the way for this session only (it sees a transaction open; COMMIT
    and ROLLBACK work as usual). SQLAlchemy's engine-wide recipe (``isolation_level=None``
    and BEGIN in a "begin" event) would also put every reading session of the API in an
    explicit transaction: a read-then-write there (marking a notification read) could then
    fail with SQLITE_BUSY_SNAPSHOT instead of waiting for the lock. PostgreSQL needs nothing.
    """
    with session_scope(engine) as session:
        if engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        yield session


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
