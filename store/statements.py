"""Statements of the write path, built once per shape with bound parameters.

Building a statement with its values inlined costs more CPU than SQLite takes to run it, so
each shape is built once (``built_once``) and its values travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Connection, Executable, Table, bindparam, exc, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

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


class _Prepared:
    """A statement compiled once for a dialect and a set of parameter names, with its bind
    processors (the same SQLAlchemy would apply), run straight on the DBAPI cursor."""

    def __init__(self, statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> None:
        element = cast(ClauseElement, statement)
        # for_executemany: no implicit RETURNING of a new row's id (PostgreSQL), nobody reads it
        options: dict[str, Any] = {"column_keys": list(keys), "for_executemany": True}
        compiled = cast(SQLCompiler, element.compile(dialect=dialect, **options))
        if compiled.update_prefetch or compiled.escaped_bind_names:
            raise _NotPrepared
        defaults: dict[str, Any] = {}
        for column in compiled.insert_prefetch:
            default = column.default
            if default is None or not default.is_scalar:
                raise _NotPrepared
            defaults[column.key] = default.arg  # type: ignore[attr-defined]
        binds = compiled.binds
        if any(bind.expanding or bind.literal_execute for bind in binds.values()):
            raise _NotPrepared
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(binds)
        for name in names:  # values the statement carries itself (a LIMIT)
            bind = binds[name]
            if name not in keys and name not in defaults and not bind.required:
                if bind.callable is not None:
                    raise _NotPrepared
                defaults[name] = bind.value
        selected = getattr(statement, "selected_columns", ())
        self.results = tuple(c.type._cached_result_processor(dialect, None) for c in selected)
        self.statement = statement  # kept alive: the cache is keyed by its id
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = names
        self.fields = tuple(
            (name, binds[name].type._cached_bind_processor(dialect), name in defaults)
            for name in names
        )
        self.defaults = defaults

    def values(self, params: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        out = []
        for name, process, has_default in self.fields:
            value = params[name] if not has_default or name in params else self.defaults[name]
            out.append(process(value) if process is not None else value)
        return tuple(out) if self.positional else dict(zip(self.names, out, strict=True))


class _NotPrepared(Exception):
    """The statement needs SQLAlchemy's own execution (expanding IN, computed defaults)."""


_PREPARED: dict[tuple[int, type[Dialect], tuple[str, ...]], _Prepared | None] = {}


def run(
    connection: Connection, statement: Executable, params: dict[str, Any] | list[dict[str, Any]]
) -> int:
    """Executes a statement of ``built_once`` (one row, or executemany for a list of rows with
    the same keys) in the connection's transaction; returns the rows it changed.

    Per statement SQLAlchemy's execution costs several times what SQLite takes to run it. The
    write path's statements are simple, so each is compiled once per dialect, and its values go
    through the column types' own bind processors straight to the DBAPI cursor: what is stored
    is the same. Errors are SQLAlchemy's (``IntegrityError``...), as from ``execute``."""
    first = params[0] if isinstance(params, list) else params
    prepared = _prepared(connection.dialect, statement, tuple(first))
    if prepared is None:
        return int(connection.execute(statement, params).rowcount)  # type: ignore[attr-defined]
    return int(_on_cursor(connection, prepared, params, lambda cursor: cursor.rowcount))


def _prepared(dialect: Dialect, statement: Executable, keys: tuple[str, ...]) -> _Prepared | None:
    key = (id(statement), type(dialect), keys)
    found = _PREPARED.get(key, _MISSING)
    if found is _MISSING:
        try:
            found = _PREPARED[key] = _Prepared(statement, dialect, keys)
        except _NotPrepared:
            found = _PREPARED[key] = None
    return found  # type: ignore[no-any-return]


def _on_cursor(
    connection: Connection,
    prepared: _Prepared,
    params: dict[str, Any] | list[dict[str, Any]],
    then: Callable[[Any], Any],
) -> Any:
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        if isinstance(params, list):
            many: Any = [prepared.values(row) for row in params]
            cursor.executemany(prepared.sql, many)
        else:
            cursor.execute(prepared.sql, prepared.values(params))
        return then(cursor)
    except dialect.loaded_dbapi.Error as err:
        raise exc.DBAPIError.instance(
            prepared.sql,
            None,
            err,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            dialect=dialect,
            ismulti=isinstance(params, list),
        ) from err
    finally:
        cursor.close()


def fetch(connection: Connection, statement: Executable, params: dict[str, Any]) -> list[Any]:
    """The rows a SELECT of ``built_once`` finds (tuples, values as SQLAlchemy returns them),
    run as ``run`` runs a write."""
    prepared = _prepared(connection.dialect, statement, tuple(params))
    if prepared is None:
        return [tuple(row) for row in connection.execute(statement, params)]
    found = _on_cursor(connection, prepared, params, lambda cursor: cursor.fetchall())
    processors = prepared.results
    if not any(processors):
        return list(found)
    return [
        tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))
        for row in found
    ]


_MISSING: Any = object()
