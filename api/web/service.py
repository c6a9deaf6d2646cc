"""The one adapter between the web app and the API's service functions.

Every read and write of the web app goes through here, to `api.reads`, `api.updates`,
`api.registration` and the timeline router, so need-to-know and every rule are the API's own.
When their signatures change, this is the file to follow them. Blocking store work runs in a
worker thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api import reads, updates
from api.problems import Problem
from api.registration import register_melding
from api.routers import timeline as timeline_router
from api.schemas import CaseCreated, CasePage, CasePublic, MeldingIn, TaskPublic, Timeline
from domain.case import Actor, UpdateResult
from domain.policy import DeadlinePolicy
from domain.roles import Role, unit_in_scope
from store.audit import ChainVerification
from store.directory import people_holding
from store.models import AccessLog, Person, PhaseVisit, Task

T = TypeVar("T")


def _with_session(engine: Engine, work: Callable[[Session], T]) -> T:
    with Session(engine, expire_on_commit=False) as session:
        return work(session)


async def _read(engine: Engine, work: Callable[[Session], T]) -> T:
    return await run_in_threadpool(_with_session, engine, work)


def now() -> datetime:
    return reads.now_utc()


# Reads ------------------------------------------------------------------------------------------


async def inbox(engine: Engine, user: Actor) -> list[TaskPublic]:
    """Open tasks for the user's roles in their units, theirs or nobody's yet, by deadline."""
    return await _read(engine, lambda s: reads.inbox(s, user))


@dataclass(frozen=True)
class InboxQuery:
    phase: str = ""
    unit: str = ""  # the unit and everything below it
    task_type: str = ""
    due_before: datetime | None = None
    overdue: bool = False
    only_mine: bool = False


def _inbox_page(
    session: Session, user: Actor, q: InboxQuery, page: int, page_size: int
) -> tuple[list[TaskPublic], int]:
    """`api.reads.inbox`'s rule (open, my roles, my units, mine or nobody's), filtered and paged
    in SQL so that only one page is built. To be replaced by the API's paginated inbox."""
    now = reads.now_utc()
    query = select(Task.task_id, Task.unit, Task.assignees).where(
        Task.status == "open", col(Task.role).in_([r.value for r in user.roles])
    )
    if q.phase:
        query = query.where(Task.phase == q.phase)
    if q.task_type:
        query = query.where(Task.task_type == q.task_type)
    if q.unit:
        unit, scope = func.lower(col(Task.unit)), q.unit.lower().rstrip("/")
        query = query.where(or_(unit == scope, unit.startswith(scope + "/")))
    if q.due_before is not None:
        query = query.where(col(Task.due_at) <= q.due_before)
    if q.overdue:
        query = query.where(col(Task.due_at) < now)
    rows = session.exec(query.order_by(col(Task.due_at), col(Task.task_id))).all()
    ids = [
        task_id
        for task_id, unit, assignees in rows
        if unit_in_scope(unit, user.units)
        and (not assignees or user.sub in assignees)
        and (not q.only_mine or user.sub in assignees)
    ]
    shown = ids[(page - 1) * page_size : page * page_size]
    found = {t.task_id: t for t in session.exec(select(Task).where(col(Task.task_id).in_(shown)))}
    return [reads.task_public(found[i], Role(found[i].role), now) for i in shown], len(ids)


async def inbox_page(
    engine: Engine, user: Actor, query: InboxQuery, *, page: int, page_size: int
) -> tuple[list[TaskPublic], int]:
    """One page of the inbox and the number of tasks in it, earliest deadline first."""
    return await _read(engine, lambda s: _inbox_page(s, user, query, page, page_size))


async def case(engine: Engine, user: Actor, case_id: str) -> CasePublic:
    """The case as the user's role may see it; the read enters its access log (404 outside)."""

    def work(session: Session) -> CasePublic:
        found, tasks, role = reads.visible_case(session, user, case_id)
        public = reads.case_public(session, found, tasks, role, reads.now_utc(), user=user)
        reads.record_access(session, case_id=case_id, user=user, role=role, action="read")
        return public

    return await _read(engine, work)


async def cases(
    engine: Engine, user: Actor, *, phase: str | None = None, page: int = 1, page_size: int = 50
) -> CasePage:
    flt = reads.CaseFilter(phase=phase)
    return await _read(
        engine, lambda s: reads.list_cases(s, user, flt, page=page, page_size=page_size)
    )


async def timeline(engine: Engine, user: Actor, case_id: str) -> Timeline | None:
    """The timeline redacted as the API redacts it; None when the user's roles may not read it."""
    try:
        return await _read(engine, lambda s: timeline_router.timeline(case_id, s, user))
    except Problem as problem:
        if problem.status == 403:
            return None
        raise


async def verify(engine: Engine, user: Actor, case_id: str) -> ChainVerification | None:
    try:
        return await _read(engine, lambda s: timeline_router.verify(case_id, s, user))
    except Problem as problem:
        if problem.status == 403:
            return None
        raise


async def task(engine: Engine, user: Actor, task_id: str) -> Task:
    """The task row if its case is visible to the user (404 otherwise)."""
    return await _read(engine, lambda s: updates.task_for(s, user, task_id)[0])


async def phases_visited(engine: Engine, case_id: str) -> list[str]:
    """Phases the case has been in, in order (the caller has already read the case)."""

    def work(session: Session) -> list[str]:
        rows = session.exec(
            select(PhaseVisit)
            .where(PhaseVisit.case_id == case_id)
            .order_by(col(PhaseVisit.entered_at))
        ).all()
        return [row.phase for row in rows]

    return await _read(engine, work)


async def access_log(engine: Engine, case_id: str, limit: int = 100) -> list[AccessLog]:
    """Who read the case, when and as which role (shown to auditors; subs, never names)."""

    def work(session: Session) -> list[AccessLog]:
        query = (
            select(AccessLog)
            .where(AccessLog.case_id == case_id)
            .order_by(col(AccessLog.at).desc())
            .limit(limit)
        )
        return list(session.exec(query).all())

    return await _read(engine, work)


async def people_for(engine: Engine, *, role: str, unit: str) -> list[Person]:
    return await _read(engine, lambda s: people_holding(s, role=role, unit=unit))


# Writes: each one a workflow Update, validated and refused exactly as through the API --------


async def _write(engine: Engine, work: Callable[[Session], Any]) -> UpdateResult:
    with Session(engine, expire_on_commit=False) as session:
        result: UpdateResult = await work(session)
        return result


async def complete(
    engine: Engine, client: Client, user: Actor, task_id: str, payload: dict[str, Any]
) -> UpdateResult:
    return await _write(
        engine,
        lambda s: updates.complete(s, client, user=user, task_id=task_id, payload=payload),
    )


class _Body:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


async def extend(
    engine: Engine,
    client: Client,
    user: Actor,
    task_id: str,
    *,
    roles: list[Role],
    new_due_at: datetime,
    reason: str,
) -> UpdateResult:
    body = _Body(new_due_at=new_due_at, reason=reason)
    return await _write(
        engine,
        lambda s: updates.extend(
            s, client, user=user, task_id=task_id, extend_roles=roles, body=body
        ),
    )


async def reassign(
    engine: Engine,
    client: Client,
    user: Actor,
    task_id: str,
    *,
    roles: list[Role],
    assignee: str,
    reason: str,
) -> UpdateResult:
    body = _Body(assignee=assignee, reason=reason)
    return await _write(
        engine,
        lambda s: updates.reassign(
            s, client, user=user, task_id=task_id, reassign_roles=roles, body=body
        ),
    )


async def withdraw(
    engine: Engine, client: Client, user: Actor, case_id: str, *, roles: list[Role], reason: str
) -> UpdateResult:
    return await _write(
        engine,
        lambda s: updates.withdraw(
            s, client, user=user, case_id=case_id, roles=roles, reason=reason
        ),
    )


async def schorsing(
    engine: Engine, client: Client, user: Actor, case_id: str, *, betrokkene: str, reason: str
) -> UpdateResult:
    return await _write(
        engine,
        lambda s: updates.schorsing(
            s, client, user=user, case_id=case_id, betrokkene=betrokkene, reason=reason
        ),
    )


async def register(
    engine: Engine,
    client: Client,
    user: Actor,
    melding: MeldingIn,
    *,
    idempotency_key: str,
    policy: DeadlinePolicy,
    task_queue: str,
) -> CaseCreated:
    return await register_melding(
        engine,
        client,
        user=user,
        melding=melding,
        idempotency_key=idempotency_key,
        policy=policy,
        task_queue=task_queue,
    )
