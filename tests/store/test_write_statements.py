"""The step's statements run on the DBAPI cursor (store/statements.py ``run``/``fetch``): they
store exactly what SQLAlchemy's own execution stores, and fail with SQLAlchemy's errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import Session

from benchmarks.store_write import case_steps, interleaved
from store import statements
from store.audit import verify_chain
from store.db import make_engine, session_scope
from store.migrate import upgrade_to_head
from store.models import SQLModel
from store.statements import PARTY, insert_of, run
from store.steps import write_step
from tests.databases import fresh_database_url

# Rows written at the moment of writing (not from the step) differ between two runs.
WALL_CLOCK = {"replacedevent": {"replaced_at"}}


def _written(tmp_path: Path, name: str, steps: list[Any]) -> tuple[dict[str, list[Any]], int]:
    """Every table's stored values (as the database returns them, unconverted) after writing
    ``steps``, and how many statements went through SQLAlchemy's execution."""
    url = fresh_database_url(tmp_path, name)
    upgrade_to_head(url)
    engine = make_engine(url)
    through_sqlalchemy = 0

    def count(*_: Any) -> None:
        nonlocal through_sqlalchemy
        through_sqlalchemy += 1

    event.listen(engine, "before_cursor_execute", count)
    for step in steps:
        with session_scope(engine) as session:
            assert write_step(session, step).applied
    event.remove(engine, "before_cursor_execute", count)
    dump: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            skip = WALL_CLOCK.get(table.name, set())
            columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name not in skip)
            found = connection.exec_driver_sql(f'SELECT {columns} FROM "{table.name}"')
            dump[table.name] = sorted(map(tuple, found), key=repr)
    engine.dispose()
    return dump, through_sqlalchemy


def test_the_cursor_path_stores_what_sqlalchemy_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cases with tasks (JSON assignees, datetimes), betrokkenen, measures, phase changes,
    # notifications, signed checkpoints and a resync step.
    steps = interleaved(3, 12, "EQ")
    fast, fast_statements = _written(tmp_path, "fast", steps)
    with monkeypatch.context() as patched:
        patched.setattr(statements, "_prepared", lambda *_: None)
        patched.setattr(statements, "_PREPARED", {})
        slow, slow_statements = _written(tmp_path, "slow", steps)
    assert fast == slow
    assert len(fast["auditevent"]) > 30 and fast["auditcheckpoint"] and fast["measuredecision"]
    # The comparison is between two paths: most statements went past SQLAlchemy's execution.
    assert fast_statements < slow_statements / 3


def test_a_refused_row_raises_sqlalchemys_integrity_error(engine: Engine) -> None:
    with pytest.raises(exc.IntegrityError), session_scope(engine) as session:
        # No such case: the foreign key refuses it (and on a second run, the primary key).
        run(session.connection(), insert_of(PARTY), [{"case_id": "ZK-NONE", "sub": "x"}] * 2)


def test_a_chain_worked_out_ahead_is_used_only_if_the_store_holds_its_link(
    tmp_path: Path,
) -> None:
    """The hashes are worked out before the transaction from the last hash this process wrote
    for the case; a store holding another one (another store, another writer) gets its own."""
    first, second = list(case_steps("ZK-AHEAD", 2))
    other = first.model_copy(deep=True)
    other.events[0].event.details = {"unit": "elders"}
    engines = []
    for name in ("a", "b"):
        url = fresh_database_url(tmp_path, name)
        upgrade_to_head(url)
        engines.append(make_engine(url))
    a, b = engines
    for engine, step in ((a, first), (b, other), (a, second)):  # b's hash is the last written
        with session_scope(engine) as session:
            assert write_step(session, step).applied
    with Session(a) as session:
        verdict = verify_chain(session, "ZK-AHEAD", workflow_seq=second.last_seq)
    assert verdict.ok, verdict.reason
    for engine in engines:
        engine.dispose()
