"""Statements of the write path, built once per shape with bound parameters.

Building a statement with its values inlined costs more CPU than SQLite takes to run it, so
each shape is built once (``built_once``) and its values travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Executable, Table, bindparam, insert, update

from store.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    Betrokkene,
    Case,
    CaseParty,
    MeasureDecision,
    OutboxNotification,
    PhaseVisit,
    ReplacedEvent,
    Task,
)


def table_of(model: Any) -> Table:
    table: Table = model.__table__
    return table


CASE, TASK, BETROKKENE, MEASURE = (table_of(m) for m in (Case, Task, Betrokkene, MeasureDecision))
EVENT, OUTBOX, VISIT = table_of(AuditEvent), table_of(OutboxNotification), table_of(PhaseVisit)
HEAD, CHECKPOINT = table_of(AuditHead), table_of(AuditCheckpoint)
PARTY, REPLACED = table_of(CaseParty), table_of(ReplacedEvent)


_STATEMENTS: dict[tuple[Any, ...], Executable] = {}


def built_once(key: tuple[Any, ...], build: Callable[[], Executable]) -> Executable:
    """The statement built once per shape; its values travel as bound parameters."""
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build()
    return found


def update_of(table: Table, where: tuple[str, ...], columns: tuple[str, ...]) -> Executable:
    """UPDATE table SET column = :v_column ... WHERE key = :k_key ..."""
    return built_once(
        ("update", table.name, where, columns),
        lambda: (
            update(table)
            .where(*(table.c[k] == bindparam(f"k_{k}") for k in where))
            .values({c: bindparam(f"v_{c}") for c in columns})
        ),
    )


def params_of(where: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {**{f"k_{k}": v for k, v in where.items()}, **{f"v_{c}": v for c, v in values.items()}}


def insert_of(table: Table) -> Executable:
    return built_once(("insert", table.name), lambda: insert(table))
