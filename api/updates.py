"""Writes: every change to a case is a workflow Update; its rejection becomes a problem.

Store look-ups run in the threadpool with a short-lived session that is closed before the
Update is sent: no database connection is held while Temporal works (the projection activity
needs one), and no blocking database call runs on the event loop.

The service functions take the store as an ``Engine`` (a ``Session`` still works: its engine is
used) and keyword-only plain arguments, so the web app can call them as the routers do.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam, exists, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import Problem, field_errors
from api.reads import visible_case
from api.redaction import PRECEDENCE, viewing_role
from domain.case import (
    Actor,
    ClaimTask,
    CompleteTask,
    ExtendTask,
    ReassignTask,
    RecordSchorsing,
    ReleaseTask,
    UpdateResult,
    WithdrawMelding,
)
from domain.errors import CaseRuleViolation, Rejection
from domain.payloads import PAYLOAD_MODEL, BesluitAfdoening
from domain.phases import TaskType
from domain.policy import DeadlinePolicy
from domain.roles import Role
from domain.rules.afdoening import check_measure_names_a_betrokkene
from domain.rules.claims import TaskFacts, check_may_claim, check_may_release
from domain.rules.complete import completing_roles
from domain.rules.duties import check_assignee_holds_role
from domain.rules.terms import ExtensionRow, check_extender, check_extension
from domain.transition import WRITE_FAILED
from sg989.policy_files import policy_of_version
from store.directory import get_person
from store.models import Case, CaseParty, Person, Task
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


def _person_lookup(engine: Engine, sub: str) -> Person | None:
    with Session(engine, expire_on_commit=False) as session:
        return get_person(session, sub)


async def readable_case(store: Store, user: Actor, case_id: str) -> None:
    await run_in_threadpool(_case_lookup, engine_of(store), user, case_id)


@dataclass(frozen=True)
class TaskToComplete:
    """What ``complete`` needs of a task, read with its case's scope in one query."""

    case_id: str
    task_type: str
    label: str
    status: str
    betrokkene: str | None


C: Any = Case
T: Any = Task  # sqlmodel fields are columns at class level; typed loosely for expressions
PEER: Any = aliased(Task)  # the tasks of the same case, for the roles that need one to read it
STEP_ROLES = frozenset({Role.onderzoeker, Role.hac, Role.nazorg})  # redaction._takes_part


def _needs_case_tasks(user: Actor) -> bool:
    """Whether ``viewing_role`` can look at the case's tasks for this user: only when the first
    role it tries is one brought in for one step (the others read a case in scope at once)."""
    first = next((r for r in PRECEDENCE if r in user.roles), None)
    return first in STEP_ROLES


def _completion_query(*, with_case_tasks: bool) -> Any:
    """The task, its case's unit, whether the user is a party to the case, and (for the roles
    that need them to see a case) the role and assignees of each task of the case. Built once:
    only ``task_id`` and ``sub`` vary."""
    party = exists().where(
        col(CaseParty.case_id) == T.case_id, col(CaseParty.sub) == bindparam("sub")
    )
    columns = [T.case_id, T.task_type, T.label, T.status, T.betrokkene, T.role, C.unit]
    query = select(*columns, party.label("party")).outerjoin(Case, C.case_id == T.case_id)
    if with_case_tasks:
        query = query.add_columns(
            PEER.role.label("peer_role"), PEER.assignees.label("peer_assignees")
        ).outerjoin(PEER, PEER.case_id == T.case_id)
    return query.where(T.task_id == bindparam("task_id"))


COMPLETION_QUERY = {peers: _completion_query(with_case_tasks=peers) for peers in (False, True)}


def _completion_lookup(engine: Engine, user: Actor, task_id: str) -> tuple[TaskToComplete, Role]:
    """``task_for`` in one round trip of the columns it needs only, with the same answers."""
    query = COMPLETION_QUERY[_needs_case_tasks(user)]
    params = {"task_id": task_id, "sub": user.sub}
    with engine.connect() as connection:
        rows = connection.execute(query, params).all()
    if not rows:
        raise Problem(404, f"no task {task_id} within your units and roles")
    first = rows[0]
    # viewing_role reads the case's unit and its tasks' role and assignees only
    peers = [
        SimpleNamespace(role=r.peer_role, assignees=r.peer_assignees)
        for r in rows
        if "peer_role" in r._fields and r.peer_role is not None
    ]
    role = None
    if first.unit is not None:
        role = viewing_role(
            user, cast(Case, SimpleNamespace(unit=first.unit)), cast(list[Task], peers)
        )
    if role is None or first.party:
        raise Problem(404, f"no case {first.case_id} within your units and roles")
    task = TaskToComplete(
        first.case_id, first.task_type, first.label, first.status, first.betrokkene
    )
    return task, Role(first.role)


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


async def complete(
    store: Store,
    client: Client,
    *,
    user: Actor,
    task_id: str,
    payload: dict[str, Any],
    idempotency_key: str | None = None,
) -> UpdateResult:
    task, role = await run_in_threadpool(_completion_lookup, engine_of(store), user, task_id)
    structlog.contextvars.bind_contextvars(case_id=task.case_id)  # the hop ran in a copy
    roles = completing_roles(TaskType(task.task_type), role)
    actor = acting_as(user, roles, f"task '{task.label}'")
    # A repeat with its key goes to Temporal, which answers with the first result (or the
    # workflow refuses a task someone else completed).
    if task.status != "open" and idempotency_key is None:
        raise Problem(409, f"task {task_id} ({task.label}) is no longer open: it is {task.status}")
    payload = dict(payload)
    declared = payload.pop("task_type", None)
    if declared is not None and declared != task.task_type:
        raise Problem(
            422,
            f"task {task_id} is a {task.task_type} task, not {declared}",
            errors=[{"field": "body.task_type", "message": f"this task is {task.task_type}"}],
        )
    normalised = validate_payload(TaskType(task.task_type), payload)
    if task.task_type == TaskType.besluit_afdoening:
        try:  # the workflow's rule, early, from the task row
            besluit = BesluitAfdoening.model_validate(normalised)
            check_measure_names_a_betrokkene(task.betrokkene, besluit)
        except CaseRuleViolation as exc:
            raise Problem(422, exc.message) from None
    request = domain_request(CompleteTask, actor=actor, task_id=task_id, payload=normalised)
    update_id = idempotent_update_id(user, task_id, idempotency_key)
    return await run_update(
        client, task.case_id, CaseWorkflow.complete_task, request, update_id=update_id
    )


def _case_policy(
    engine: Engine, case_id: str, current: DeadlinePolicy | None
) -> DeadlinePolicy | None:
    """The policy version the case started with: the running one, else its published file."""
    with Session(engine) as session:
        case = session.get(Case, case_id)
        version = case.policy_version if case is not None else ""
    if current is not None and current.version == version:
        return current
    return policy_of_version(version)


async def extend(
    store: Store,
    client: Client,
    *,
    user: Actor,
    task_id: str,
    extend_roles: list[Role],
    body: Any,
    policy: DeadlinePolicy | None = None,
) -> UpdateResult:
    """Who may extend is policy per clock of the case's own version: the workflow's rule, early
    (``domain.rules.terms``); ``extend_roles`` only where that version is unknown here."""
    task, _ = await open_task(store, user, task_id)
    case_policy = await run_in_threadpool(_case_policy, engine_of(store), task.case_id, policy)
    if case_policy is None or task.due_at is None or task.status != "open":
        actor = acting_as(user, extend_roles, "extending a deadline")  # the workflow says why
    else:
        due = task.due_at if task.due_at.tzinfo else task.due_at.replace(tzinfo=UTC)
        target = ExtensionRow(label=task.label, due_at=due, extensions=task.extensions)
        actor = _early_extend_check(case_policy, task, target, user, body.new_due_at)
    request = domain_request(
        ExtendTask, actor=actor, task_id=task_id, new_due_at=body.new_due_at, reason=body.reason
    )
    return await run_update(client, task.case_id, CaseWorkflow.extend_task, request)


def _early_extend_check(
    policy: DeadlinePolicy, task: Task, target: ExtensionRow, user: Actor, new_due_at: datetime
) -> Actor:
    task_type = TaskType(task.task_type)
    try:
        role = check_extender(policy, task_type, target, user)
        check_extension(policy, task_type, target, new_due_at, datetime.now(UTC))
    except CaseRuleViolation as exc:
        raise Problem(REJECTION_STATUS[exc.kind.value], exc.message) from None
    return user.model_copy(update={"acting_role": role})


async def reassign(
    store: Store,
    client: Client,
    *,
    user: Actor,
    task_id: str,
    reassign_roles: list[Role],
    body: Any,
) -> UpdateResult:
    task, role = await open_task(store, user, task_id)
    actor = acting_as(user, reassign_roles, "reassigning a task")
    person = await run_in_threadpool(_person_lookup, engine_of(store), body.assignee)
    if person is None or not person.active:
        raise Problem(422, f"{body.assignee} is not an active person in the directory")
    known = {r.value for r in Role}
    roles = [Role(r) for r in person.roles if r in known]
    try:  # the same rule the workflow's validator applies, before Temporal is asked
        check_assignee_holds_role(role, task.unit, person.sub, roles, person.units)
    except CaseRuleViolation as exc:
        raise Problem(422, exc.message) from None
    request = domain_request(
        ReassignTask,
        actor=actor,
        task_id=task_id,
        assignee=body.assignee,
        reason=body.reason,
        assignee_roles=roles,
        assignee_units=list(person.units),
    )
    return await run_update(client, task.case_id, CaseWorkflow.reassign_task, request)


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


async def claim(store: Store, client: Client, *, user: Actor, task_id: str) -> UpdateResult:
    """Take up a task nobody has yet, as a holder of its role (the workflow's rule, early)."""
    task, role = await open_task(store, user, task_id)
    actor = user.model_copy(update={"acting_role": role}) if role in user.roles else user
    try:
        check_may_claim(TaskFacts.of(task), actor)
    except CaseRuleViolation as exc:
        raise Problem(REJECTION_STATUS[exc.kind.value], exc.message) from None
    request = domain_request(ClaimTask, actor=actor, task_id=task_id)
    return await run_update(client, task.case_id, CaseWorkflow.claim_task, request)


async def release(
    store: Store, client: Client, *, user: Actor, task_id: str, reassign_roles: list[Role]
) -> UpdateResult:
    """Give a claimed task back to its role's inbox: its claimant, or a role that may reassign."""
    task, role = await open_task(store, user, task_id)
    held = [role] if task.claimed_by == user.sub else reassign_roles
    acting = [r for r in held if r in user.roles]
    actor = user.model_copy(update={"acting_role": acting[0]}) if acting else user
    try:
        check_may_release(TaskFacts.of(task), actor, reassign_roles)
    except CaseRuleViolation as exc:
        raise Problem(REJECTION_STATUS[exc.kind.value], exc.message) from None
    request = domain_request(ReleaseTask, actor=actor, task_id=task_id)
    return await run_update(client, task.case_id, CaseWorkflow.release_task, request)
