"""The SQL behind the case list and the inbox: scope, need-to-know, filters, order and keyset
pagination in one query each, served by the indexes of migrations 0004 and 0010.

Need-to-know in SQL mirrors ``api.redaction.viewing_role``: commandant, COID adviser, jurist,
auditor and beheerder read every case in their units; an onderzoeker only cases with a task
assigned to them; HAC and nazorg only cases with a task of their role that is theirs or nobody's.
A person linked to a case as melder or betrokkene sees neither the case nor its tasks, in any
role (``store.parties``: the rule has one home, used here and by ``api.reads.visible_case``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    not_,
    null,
    or_,
    true,
    type_coerce,
)
from sqlalchemy import select as core_select
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlmodel import Session, select

from api.problems import Problem
from api.redaction import may_see
from api.rows import CASE_COLUMNS, TASK_COLUMNS, CaseRow, TaskRow
from domain.case import Actor
from domain.roles import Role
from store.models import Case, Task
from store.parties import party_to
from store.sealed import unseal

ALL_CASES_IN_SCOPE = frozenset(
    {Role.commandant, Role.coid_adviseur, Role.jurist, Role.auditor, Role.beheerder}
)
ADVISER_ROLES = frozenset({Role.coid_adviseur.value, Role.kmar_integriteitsadviseur.value})
C: Any = Case  # sqlmodel fields are columns at class level; typed loosely for the expressions
T: Any = Task
# One instance for every cast: a fresh String() per request costs its cache key (an inspection
# of the class's constructor) each time the statement is looked up in the compiled cache.
_TEXT = String()
CONTACT_PURPOSE: str = C.melder_contact.type.purpose  # what the column's seal is bound to
# The table's column, not the ORM's annotated one (``api.rows``: cheaper to match results to).
SEALED_CONTACT = type_coerce(Case.__table__.c.melder_contact, _TEXT).label("sealed_contact")  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CaseFilter:
    phase: str | None = None
    unit: str | None = None
    category: str | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class TaskFilter:
    phase: str | None = None
    unit: str | None = None
    task_type: str | None = None
    case_id: str | None = None
    due_within_days: int | None = None
    overdue: bool | None = None
    assigned_to_me: bool | None = None  # only tasks assigned to (or claimed by) the caller


def encode_cursor(kind: str, moment: datetime | None, key: str) -> str:
    raw = json.dumps([kind, moment.isoformat() if moment else None, key])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> tuple[datetime | None, str]:
    """(moment, key) of a cursor this API handed out; 422 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        found_kind, moment, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if found_kind != kind or not isinstance(key, str):
            raise ValueError(kind)
        return (datetime.fromisoformat(moment) if moment else None), key
    except (ValueError, TypeError, UnicodeDecodeError):
        raise Problem(
            422,
            "the cursor is not one this endpoint handed out; start again without it",
            errors=[{"field": "query.cursor", "message": "unknown cursor"}],
        ) from None


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def in_scope(unit_column: Any, units: list[str]) -> ColumnElement[bool]:
    """SQL for ``unit_in_scope``: the unit itself or any unit below it, case-insensitive."""
    unit = func.lower(unit_column)
    clauses: list[ColumnElement[bool]] = []
    for scope in units:
        s = scope.lower().rstrip("/")
        clauses += [unit == s, unit.like(_like_literal(s) + "/%", escape="\\")]
    return or_(*clauses) if clauses else false()


def unassigned_or_mine(sub: str) -> ColumnElement[bool]:
    """The task has no assignees, or ``sub`` among them (JSON list, compared as its text)."""
    as_text = cast(T.assignees, _TEXT)
    pattern = "%" + _like_literal(json.dumps(sub)) + "%"
    return or_(as_text == "[]", as_text.like(pattern, escape="\\"))


def assigned_to(sub: str) -> ColumnElement[bool]:
    pattern = "%" + _like_literal(json.dumps(sub)) + "%"
    return cast(T.assignees, _TEXT).like(pattern, escape="\\")


def need_to_know(user: Actor) -> ColumnElement[bool]:
    """The cases (within scope) ``user`` may read through at least one of their roles, and is
    not a party to."""
    return and_(_through_a_role(user), not_(party_to(C.case_id, user.sub)))


def _through_a_role(user: Actor) -> ColumnElement[bool]:
    if ALL_CASES_IN_SCOPE & set(user.roles):
        return true()
    through: list[ColumnElement[bool]] = []
    if Role.onderzoeker in user.roles:
        through.append(
            exists().where(
                T.case_id == C.case_id, T.role == Role.onderzoeker.value, assigned_to(user.sub)
            )
        )
    for role in (Role.hac, Role.nazorg):
        if role in user.roles:
            through.append(
                exists().where(
                    T.case_id == C.case_id, T.role == role.value, unassigned_or_mine(user.sub)
                )
            )
    return or_(*through) if through else false()


def _overdue_case(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return exists().where(T.case_id == C.case_id, T.status == "open", T.due_at < now)


def _case_query(user: Actor, flt: CaseFilter, now: datetime | BindParameter[datetime]) -> Any:
    query = select(Case).where(
        C.imported == False,  # noqa: E712  (SQL, and the list index starts with it)
        in_scope(C.unit, user.units),
        need_to_know(user),
    )
    if flt.unit:
        query = query.where(in_scope(C.unit, [flt.unit]))
    if flt.phase:
        query = query.where(C.phase == flt.phase)
    if flt.category:
        query = query.where(C.category == flt.category)
    if flt.overdue is not None:
        overdue = _overdue_case(now)
        query = query.where(overdue if flt.overdue else not_(overdue))
    return query


def may_read_contacts(user: Actor) -> bool:
    return any(may_see(role, "melder_contact") for role in user.roles)


def case_rows(
    session: Session,
    user: Actor,
    flt: CaseFilter,
    *,
    now: datetime,
    after: tuple[datetime | None, str] | None,
    offset: int,
    limit: int,
) -> list[tuple[CaseRow, str | None, list[TaskRow]]]:
    """One page of readable cases, newest first (registered_at, then case number), in one query
    with the tasks the page's views need (``view_tasks``). Each case comes with its melder
    contact still sealed: opened only where the page shows it, and read at all only for a user
    with a role that may see contacts. Plain rows of the shown columns (``api.rows``), not ORM
    objects: building those cost more than the query."""
    who = (user.sub, tuple(user.roles), tuple(user.units))
    moment, case_id = after if after is not None else (None, "")
    joined = _page_statement(who, flt, after is not None, offset, limit)
    values = {"now": now, "after_moment": moment, "after_case": case_id}
    n = len(CASE_COLUMNS)
    found: list[tuple[CaseRow, str | None, list[TaskRow]]] = []
    for row in session.connection().execute(joined, values):
        if not found or found[-1][0].case_id != row[0]:
            found.append((CaseRow._make(row[:n]), row[n], []))
        if row[n + 1] is not None:  # the outer join's task
            found[-1][2].append(TaskRow._make(row[n + 1 :]))
    return found


@lru_cache(maxsize=1024)
def _page_statement(
    who: tuple[str, tuple[Role, ...], tuple[str, ...]],
    flt: CaseFilter,
    keyset: bool,
    offset: int,
    limit: int,
) -> Any:
    """The page query of one user and filter, built once: the request's moment and cursor are
    bound parameters. Building the expression and its cache key cost each request as much as
    running it. (A cursor without a moment, of a case never registered, ends the list: the
    literal None this compared with before raised an error.)"""
    sub, roles, units = who
    user = Actor(sub=sub, roles=list(roles), units=list(units))
    query = _case_query(user, flt, bindparam("now", type_=T.due_at.type))
    query = query.with_only_columns(C.case_id)
    if keyset:
        moment = bindparam("after_moment", type_=C.registered_at.type)
        case_id = bindparam("after_case", type_=C.case_id.type)
        query = query.where(
            or_(C.registered_at < moment, and_(C.registered_at == moment, C.case_id < case_id))
        )
    newest_first = (C.registered_at.desc(), C.case_id.desc())
    page = query.order_by(*newest_first).offset(offset).limit(limit)
    contact = SEALED_CONTACT if may_read_contacts(user) else null().label("sealed_contact")
    return (
        core_select(*CASE_COLUMNS, contact, *TASK_COLUMNS)
        .select_from(Case)
        .outerjoin(Task, and_(T.case_id == C.case_id, view_tasks(user)))
        .where(C.case_id.in_(page))
        .order_by(*newest_first, T.task_id)
    )


def view_tasks(user: Actor) -> ColumnElement[bool]:
    """The tasks a case's view needs: the open ones (shown), the advisers' (whose case adviser
    is it) and those of the user's own roles (do they take part). A long case's many closed
    tasks of other roles stay in the store."""
    roles = sorted(ADVISER_ROLES | {r.value for r in user.roles})
    return or_(T.status == "open", T.role.in_(roles))


def open_contact(sealed: str | None) -> str | None:
    """The clear melder contact of a ``case_rows`` row (decrypted here, once, when shown)."""
    return None if sealed is None else unseal(sealed, CONTACT_PURPOSE)


def count_cases(session: Session, user: Actor, flt: CaseFilter, *, now: datetime) -> int:
    query = _case_query(user, flt, now).with_only_columns(func.count()).order_by(None)
    return int(session.exec(query).one())


def inbox_rows(
    session: Session,
    user: Actor,
    flt: TaskFilter,
    *,
    now: datetime,
    after: tuple[datetime | None, str] | None,
    limit: int | None,
) -> list[Task]:
    """Open tasks of the user's roles in their units, theirs or nobody's, by deadline. On
    PostgreSQL the statistics of migration 0010 let the planner walk ix_task_inbox in deadline
    order for a whole scope, and take a selective filter's index (one case) otherwise."""
    query = select(Task).where(
        T.status == "open",
        T.role.in_([r.value for r in user.roles]),
        in_scope(T.unit, user.units),
        unassigned_or_mine(user.sub),
        not_(party_to(T.case_id, user.sub)),
    )
    if flt.unit:
        query = query.where(in_scope(T.unit, [flt.unit]))
    if flt.phase:
        query = query.where(T.phase == flt.phase)
    if flt.task_type:
        query = query.where(T.task_type == flt.task_type)
    if flt.case_id:
        query = query.where(T.case_id == flt.case_id)
    if flt.due_within_days is not None:
        query = query.where(T.due_at <= now + timedelta(days=flt.due_within_days))
    if flt.overdue is not None:
        query = query.where(T.due_at < now if flt.overdue else T.due_at >= now)
    if flt.assigned_to_me:
        query = query.where(assigned_to(user.sub))
    if after is not None:
        moment, task_id = after
        query = query.where(or_(T.due_at > moment, and_(T.due_at == moment, T.task_id > task_id)))
    query = query.order_by(T.due_at, T.task_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())
