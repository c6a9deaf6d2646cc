"""Writes: every change to a case is a workflow Update; its rejection becomes a problem.

Store look-ups run in the threadpool with a short-lived session that is closed before the
Update is sent: no database connection is held while Temporal works (the projection activity
needs one), and no blocking database call runs on the event loop.

The service functions take the store as an ``Engine`` (a ``Session`` still works: its engine is
used) and keyword-only plain arguments, so the web app can call them as the routers do. Those
on one task (complete, extend, reassign, claim, release) are in ``api.task_updates``.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import Problem, field_errors
from api.reads import visible_case
from domain.case import Actor
from domain.errors import Rejection
from domain.payloads import PAYLOAD_MODEL
from domain.phases import TaskType
from domain.requests import RecordSchorsing, UpdateResult, WithdrawMelding
from domain.roles import Role
from domain.transition import WRITE_FAILED
from store.models import Task
from workflows.case import CaseWorkflow

REJECTION_STATUS = {
    Rejection.forbidden.value: 403,
    Rejection.not_found.value: 404,
    Rejection.conflict.value: 409,
    Rejection.invalid.value: 422,
    WRITE_FAILED: 503,  # the store refused the case's changes for good (activities/record.py)
}
UNAVAILABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}
log = structlog.get_logger("api")


async def run_update(
    client: Client, case_id: str, update: Any, request: BaseModel, *, update_id: str | None = None
) -> UpdateResult:
    """Execute ``update`` on the case workflow; returns once the store reflects it. The same
    ``update_id`` twice is one Update: Temporal answers the repeat with the first one's result."""
    handle = client.get_workflow_handle(case_id)
    try:
        result: UpdateResult = await handle.execute_update(
            update, request, id=update_id or new_update_id(), result_type=UpdateResult
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type in REJECTION_STATUS:
            raise Problem(REJECTION_STATUS[cause.type], cause.message) from None
        raise
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Problem(409, f"case {case_id} is closed; nothing can change any more") from None
        if exc.status in UNAVAILABLE:
            raise Problem(
                503, f"the workflow engine (Temporal) cannot be reached: {exc.message}"
            ) from None
        raise
    log.info(
        "case_updated",
        update=getattr(update, "__name__", str(update)),
        seq=result.seq,
        phase=str(result.phase),
    )
    return result


Store = Session | Engine


def engine_of(store: Store) -> Engine:
    if isinstance(store, Engine):
        return store
    bind = store.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _task_lookup(engine: Engine, user: Actor, task_id: str) -> tuple[Task, Role]:
    with Session(engine, expire_on_commit=False) as session:
        return task_for(session, user, task_id)


def _case_lookup(engine: Engine, user: Actor, case_id: str) -> None:
    with Session(engine, expire_on_commit=False) as session:
        visible_case(session, user, case_id)


async def open_task(store: Store, user: Actor, task_id: str) -> tuple[Task, Role]:
    """``task_for`` off the event loop, its connection returned before the caller awaits."""
    task, role = await run_in_threadpool(_task_lookup, engine_of(store), user, task_id)
    structlog.contextvars.bind_contextvars(case_id=task.case_id)
    return task, role


async def readable_case(store: Store, user: Actor, case_id: str) -> None:
    await run_in_threadpool(_case_lookup, engine_of(store), user, case_id)


def task_for(session: Session, user: Actor, task_id: str) -> tuple[Task, Role]:
    """The task if its case is visible to the user (else 404), with the role the user acts in."""
    task = session.get(Task, task_id)
    if task is None:
        raise Problem(404, f"no task {task_id} within your units and roles")
    visible_case(session, user, task.case_id)
    structlog.contextvars.bind_contextvars(case_id=task.case_id)
    return task, Role(task.role)


def domain_request(model: type[BaseModel], **fields: Any) -> Any:
    """The Update's request, or a 422 naming the fields the domain refuses."""
    try:
        return model(**fields)
    except ValidationError as exc:
        errors = [{**e, "field": f"body.{e['field']}"} for e in field_errors(list(exc.errors()))]
        detail = "; ".join(e["message"] for e in errors)
        raise Problem(422, f"the request does not validate: {detail}", errors=errors) from None


def acting_as(user: Actor, allowed: list[Role], action: str) -> Actor:
    """The user with the role they act in for ``action``; 403 saying which role is missing."""
    held = [r for r in allowed if r in user.roles]
    if not held:
        raise Problem(
            403,
            f"{action} needs the role {' or '.join(r.value for r in allowed)}",
            missing_roles=[r.value for r in allowed],
        )
    return user.model_copy(update={"acting_role": held[0]})


def validate_payload(task_type: TaskType, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload checked against its task type before Temporal sees it (422 naming each
    field), normalised: defaults filled in, so the workflow never meets a missing optional key."""
    try:
        model = PAYLOAD_MODEL[task_type].model_validate(payload)
    except ValidationError as exc:
        errors = [{**e, "field": f"payload.{e['field']}"} for e in field_errors(list(exc.errors()))]
        raise Problem(
            422,
            f"the {task_type.value} payload does not validate: "
            + ", ".join(e["field"] for e in errors),
            errors=errors,
        ) from None
    return model.model_dump(mode="json")


def new_update_id() -> str:
    """A random Update id of 16 characters (96 bits). The history repeats an Update's id four
    times; the SDK's default, a 36-character UUID, would add some 2 KB to a case's history."""
    return secrets.token_urlsafe(12)


def idempotent_update_id(user: Actor, task_id: str, key: str | None) -> str | None:
    """The Update id for an Idempotency-Key: scoped to the person and the task, and a hash, so
    the workflow's history carries no name."""
    if key is None:
        return None
    digest = hashlib.sha256(f"{user.sub}\n{task_id}\n{key}".encode()).hexdigest()
    return f"idem-{digest[:40]}"


async def withdraw(
    store: Store, client: Client, *, user: Actor, case_id: str, roles: list[Role], reason: str
) -> UpdateResult:
    await readable_case(store, user, case_id)
    actor = acting_as(user, roles, "withdrawing a melding")
    request = domain_request(WithdrawMelding, actor=actor, reason=reason)
    return await run_update(client, case_id, CaseWorkflow.withdraw_melding, request)


async def schorsing(
    store: Store, client: Client, *, user: Actor, case_id: str, betrokkene: str, reason: str
) -> UpdateResult:
    await readable_case(store, user, case_id)
    actor = acting_as(user, [Role.commandant], "recording a schorsing")
    request = domain_request(RecordSchorsing, actor=actor, betrokkene=betrokkene, reason=reason)
    return await run_update(client, case_id, CaseWorkflow.record_schorsing, request)
