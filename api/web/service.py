"""The one adapter between the web app and the API's service functions.

Every read and write of the web app goes through here, to `api.reads`, `api.updates`,
`api.registration` and the timeline router, so need-to-know and every rule are the API's own.
When their signatures change, this is the file to follow them. Blocking store work runs in a
worker thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api import reads, task_updates, updates
from api.access_log import record_case_read
from api.problems import Problem
from api.queries import TaskFilter
from api.registration import register_melding
from api.routers import timeline as timeline_router
from api.schemas import (
    CaseCreated,
    CasePage,
    CasePublic,
    MeldingIn,
    TaskPage,
    TaskPublic,
    Timeline,
)
from api.web import deadlines
from domain.case import Actor
from domain.policy import DeadlinePolicy
from domain.requests import UpdateResult
from domain.roles import Role
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


async def inbox_page(
    engine: Engine, user: Actor, flt: TaskFilter, *, cursor: str | None, page_size: int
) -> TaskPage:
    """One page of the inbox, earliest deadline first: the API's keyset query, the same filters."""
    return await _read(
        engine,
        lambda s: reads.inbox_page(s, user, flt, cursor=cursor, page_size=page_size),
    )


async def running_clocks(
    engine: Engine, user: Actor, *, until: datetime
) -> tuple[list[TaskPublic], bool]:
    """Every running clock of the cases the user may read, due before ``until`` or overdue."""
    return await _read(engine, lambda s: deadlines.running_clocks(s, user, now=now(), until=until))


async def case(engine: Engine, user: Actor, case_id: str) -> CasePublic:
    """The case as the user's role may see it; the read enters its access log (404 outside)."""

    def work(session: Session) -> CasePublic:
        found, tasks, role = reads.visible_case(session, user, case_id)
        public = reads.case_public(session, found, tasks, role, reads.now_utc(), user=user)
        record_case_read(session, public=public, user=user, role=role)
        return public

    return await _read(engine, work)


async def cases(
    engine: Engine, user: Actor, *, phase: str | None = None, page: int = 1, page_size: int = 50
) -> CasePage:
    flt = reads.CaseFilter(phase=phase)
    return await _read(
        engine, lambda s: reads.list_cases(s, user, flt, page=page, page_size=page_size)
    )


async def _unless_forbidden(engine: Engine, work: Callable[[Session], T]) -> T | None:
    """The read, or None when the user's roles may not make it (a 403 of the API)."""
    try:
        return await _read(engine, work)
    except Problem as problem:
        if problem.status == 403:
            return None
        raise


async def timeline(engine: Engine, user: Actor, case_id: str) -> Timeline | None:
    """The timeline redacted as the API redacts it; None when the user's roles may not read it."""
    return await _unless_forbidden(engine, lambda s: timeline_router.timeline(case_id, s, user))


async def verify(engine: Engine, user: Actor, case_id: str) -> ChainVerification | None:
    return await _unless_forbidden(engine, lambda s: timeline_router.verify(case_id, s, user))


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
# (api.updates takes the engine itself and holds no connection while Temporal works)


async def complete(
    engine: Engine, client: Client, user: Actor, task_id: str, payload: dict[str, Any]
) -> UpdateResult:
    return await task_updates.complete(engine, client, user=user, task_id=task_id, payload=payload)


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
    body = SimpleNamespace(new_due_at=new_due_at, reason=reason)  # the domain model validates
    return await task_updates.extend(
        engine, client, user=user, task_id=task_id, extend_roles=roles, body=body
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
    body = SimpleNamespace(assignee=assignee, reason=reason)
    return await task_updates.reassign(
        engine, client, user=user, task_id=task_id, reassign_roles=roles, body=body
    )


async def claim(engine: Engine, client: Client, user: Actor, task_id: str) -> UpdateResult:
    return await task_updates.claim(engine, client, user=user, task_id=task_id)


async def release(
    engine: Engine, client: Client, user: Actor, task_id: str, *, roles: list[Role]
) -> UpdateResult:
    return await task_updates.release(
        engine, client, user=user, task_id=task_id, reassign_roles=roles
    )


async def withdraw(
    engine: Engine, client: Client, user: Actor, case_id: str, *, roles: list[Role], reason: str
) -> UpdateResult:
    return await updates.withdraw(
        engine, client, user=user, case_id=case_id, roles=roles, reason=reason
    )


async def schorsing(
    engine: Engine, client: Client, user: Actor, case_id: str, *, betrokkene: str, reason: str
) -> UpdateResult:
    return await updates.schorsing(
        engine, client, user=user, case_id=case_id, betrokkene=betrokkene, reason=reason
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
