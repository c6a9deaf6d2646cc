"""The read-model rows one step changed: its case, betrokkenen, measures, tasks and parties.

Each is written with statements built once (``store.statements``), in the caller's transaction:
an UPDATE of the columns that changed and an INSERT where there was no row yet, the task rows in
one upsert (executemany). ``store.steps`` calls these after checking the step's events.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Executable, bindparam, func, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.rows import MeasureRows, TaskRow
from domain.transition import CaseStep
from store.projection import utc_moment, utc_values
from store.statements import (
    BETROKKENE,
    CASE,
    MEASURE,
    PARTY,
    TASK,
    built_once,
    fetch,
    insert_of,
    params_of,
    run,
    update_of,
)


def write_case(connection: Connection, step: CaseStep) -> None:
    occurred_at = utc_moment(step.events[-1].event.occurred_at)
    values: dict[str, Any] = {"updated_at": occurred_at, "last_seq": step.last_seq}
    columns = step.rows.case
    closing = columns is not None and columns.status == "gesloten"
    if columns is not None:
        values.update(utc_values(columns))
        values["closed_at"] = occurred_at if closing else None
    names = tuple(values)

    def build() -> Executable:
        # A closed case keeps the moment it first closed.
        kept = {"closed_at": func.coalesce(CASE.c.closed_at, bindparam("v_closed_at"))}
        return (
            update(CASE)
            .where(CASE.c.case_id == bindparam("k_case_id"))
            .values({c: bindparam(f"v_{c}") for c in names} | (kept if closing else {}))
        )

    stmt = built_once(("case", names, closing), build)
    if run(connection, stmt, params_of({"case_id": step.case_id}, values)):
        return
    if columns is None:
        raise ValueError(f"case {step.case_id}: the first step must carry the case row")
    run(connection, insert_of(CASE), {**_case_defaults(), **values, "case_id": step.case_id})


def _case_defaults() -> dict[str, Any]:
    """Columns the workflow never writes get the model's defaults on a new row."""
    defaults = {name: getattr(column.default, "arg", None) for name, column in CASE.c.items()}
    return {name: arg for name, arg in defaults.items() if arg is not None and not callable(arg)}


def write_betrokkenen(
    connection: Connection, case_id: str, changed: list[tuple[str, dict[str, Any]]]
) -> None:
    for ref, values in changed:
        stmt = update_of(BETROKKENE, ("case_id", "ref"), tuple(values))
        if not run(connection, stmt, params_of({"case_id": case_id, "ref": ref}, values)):
            run(connection, insert_of(BETROKKENE), {"case_id": case_id, **values})


def write_parties(connection: Connection, case_id: str, added: list[str]) -> None:
    if not added:
        return
    of_case = built_once(
        ("parties",),
        lambda: core_select(PARTY.c.sub).where(PARTY.c.case_id == bindparam("case_id")),
    )
    known = {sub for (sub,) in fetch(connection, of_case, {"case_id": case_id})}
    new = [{"case_id": case_id, "sub": sub} for sub in dict.fromkeys(added) if sub not in known]
    if new:
        run(connection, insert_of(PARTY), new)


def write_measures(connection: Connection, case_id: str, changed: list[MeasureRows]) -> None:
    for wanted in changed:
        of_ref = {"case_id": case_id, "ref": wanted.betrokkene_ref}
        kept = {f"kept{n}": measure for n, measure in enumerate(wanted.measures)}
        run(connection, _measures_dropped(tuple(kept)), of_ref | kept)
        decided_at = utc_moment(wanted.decided_at)
        stmt = update_of(MEASURE, ("case_id", "betrokkene_ref", "measure"), ("decided_at",))
        for measure in wanted.measures:
            where = {
                "case_id": case_id,
                "betrokkene_ref": wanted.betrokkene_ref,
                "measure": measure,
            }
            if not run(connection, stmt, params_of(where, {"decided_at": decided_at})):
                run(connection, insert_of(MEASURE), {**where, "decided_at": decided_at})


def _measures_dropped(kept: tuple[str, ...]) -> Executable:
    """DELETE the betrokkene's measures but those named (each its own bound parameter)."""
    return built_once(
        ("measures-dropped", kept),
        lambda: MEASURE.delete().where(
            MEASURE.c.case_id == bindparam("case_id"),
            MEASURE.c.betrokkene_ref == bindparam("ref"),
            MEASURE.c.measure.not_in([bindparam(name) for name in kept]),
        ),
    )


def write_tasks(
    connection: Connection, case_id: str, changed: list[tuple[str, dict[str, Any]]]
) -> None:
    if not changed:
        return
    upsert = _tasks_upsert(connection.dialect.name)
    if upsert is not None:
        rows = [{"case_id": case_id, **values} for _, values in changed]
        if run(connection, upsert, rows) == len(rows):
            return
    # A task id held by another case (the upsert left it alone), or no upsert here.
    ids = {f"id{n}": task_id for n, (task_id, _) in enumerate(changed)}
    existing = built_once(
        ("tasks-existing", len(ids)),
        lambda: core_select(TASK.c.task_id, TASK.c.case_id).where(
            TASK.c.task_id.in_([bindparam(name) for name in ids])
        ),
    )
    found = fetch(connection, existing, ids)
    owners: dict[str, str] = {task_id: owner for task_id, owner in found}
    updates: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for task_id, values in changed:
        owner = owners.get(task_id)
        if owner is None:
            new.append({"case_id": case_id, **values})
        elif owner != case_id:
            raise ValueError(f"task {task_id} belongs to case {owner}, not {case_id}")
        else:
            updates.append(params_of({"task_id": task_id}, values))
    if updates:
        columns = tuple(name for name in TaskRow.model_fields if name != "task_id")
        run(connection, update_of(TASK, ("task_id",), columns), updates)
    if new:
        run(connection, insert_of(TASK), new)


def _tasks_upsert(dialect: str) -> Executable | None:
    """INSERT a case's task rows, or UPDATE them where they exist, in one statement; a task id
    of another case is left alone (so fewer rows count as written)."""
    if dialect not in ("sqlite", "postgresql"):
        return None

    def build() -> Executable:
        dialect_insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        stmt = dialect_insert(TASK)
        columns = [name for name in TaskRow.model_fields if name != "task_id"]
        return stmt.on_conflict_do_update(
            index_elements=[TASK.c.task_id],
            set_={name: stmt.excluded[name] for name in columns},
            where=TASK.c.case_id == stmt.excluded.case_id,
        )

    return built_once(("tasks-upsert", dialect), build)
