"""The Updates on one task: complete, extend, reassign, claim and release.

Each checks early, from the store, what the workflow's validator would refuse (the same rules
of ``domain``), so a person hears why at once; the workflow checks again, and decides. The
look-ups run in the threadpool and are closed before the Update is sent (``api.updates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import structlog
from sqlalchemy import bindparam, exists, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api import updates
from api.problems import Problem
from api.redaction import PRECEDENCE, viewing_role
from api.updates import (
    REJECTION_STATUS,
    Store,
    acting_as,
    domain_request,
    engine_of,
    idempotent_update_id,
    open_task,
    validate_payload,
)
from domain.case import Actor
from domain.errors import CaseRuleViolation
from domain.payloads import BesluitAfdoening
from domain.phases import TaskType
from domain.policy import DeadlinePolicy
from domain.requests import (
    ClaimTask,
    CompleteTask,
    ExtendTask,
    ReassignTask,
    ReleaseTask,
    UpdateResult,
)
from domain.roles import Role
from domain.rules.afdoening import check_measure_names_a_betrokkene
from domain.rules.claims import TaskFacts, check_may_claim, check_may_release
from domain.rules.complete import completing_roles
from domain.rules.duties import check_assignee_holds_role
from domain.rules.terms import ExtensionRow, check_extender, check_extension
from sg989.policy_files import policy_of_version
from store.directory import get_person
from store.models import Case, CaseParty, Person, Task
from workflows.case import CaseWorkflow


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
    return await updates.run_update(
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
    return await updates.run_update(client, task.case_id, CaseWorkflow.extend_task, request)


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
    return await updates.run_update(client, task.case_id, CaseWorkflow.reassign_task, request)


async def claim(store: Store, client: Client, *, user: Actor, task_id: str) -> UpdateResult:
    """Take up a task nobody has yet, as a holder of its role (the workflow's rule, early)."""
    task, role = await open_task(store, user, task_id)
    actor = user.model_copy(update={"acting_role": role}) if role in user.roles else user
    try:
        check_may_claim(TaskFacts.of(task), actor)
    except CaseRuleViolation as exc:
        raise Problem(REJECTION_STATUS[exc.kind.value], exc.message) from None
    request = domain_request(ClaimTask, actor=actor, task_id=task_id)
    return await updates.run_update(client, task.case_id, CaseWorkflow.claim_task, request)


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
    return await updates.run_update(client, task.case_id, CaseWorkflow.release_task, request)


def _person_lookup(engine: Engine, sub: str) -> Person | None:
    with Session(engine, expire_on_commit=False) as session:
        return get_person(session, sub)
