"""The caller's inbox and the three things one does with a task: complete, extend, reassign."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from api import updates
from api.deps import CurrentUser, SessionDep, TemporalDep
from api.examples import openapi_examples
from api.reads import inbox
from api.schemas import ExtendIn, ReassignIn, TaskPublic
from domain.case import UpdateResult

router = APIRouter(prefix="/tasks", tags=["tasks"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The caller lacks the role, the unit or the assignment"},
    404: {"description": "No such task within the caller's scope"},
    409: {"description": "The task was already completed, or the case moved on or closed"},
    422: {"description": "The body does not fit the task; each bad field is listed"},
    503: {"description": "Temporal or the store cannot be reached; nothing changed"},
}


@router.get("")
def my_tasks(session: SessionDep, user: CurrentUser) -> list[TaskPublic]:
    """Open tasks for the caller's roles and units, earliest deadline first."""
    return inbox(session, user)


@router.post("/{task_id}/complete", responses=PROBLEMS)
async def complete(
    task_id: str,
    session: SessionDep,
    client: TemporalDep,
    user: CurrentUser,
    payload: Annotated[dict[str, Any], Body(openapi_examples=openapi_examples())],
) -> UpdateResult:
    """Complete a task with the payload its type needs (see the examples per task type).

    Answers once the store shows the result, including the tasks the case opened next.
    """
    return await updates.complete(session, client, user=user, task_id=task_id, payload=payload)


@router.post("/{task_id}/extend", responses=PROBLEMS)
async def extend(
    task_id: str,
    body: ExtendIn,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
    user: CurrentUser,
) -> UpdateResult:
    """Move a deadline to a later date, with the reason (where the policy allows it)."""
    roles = request.app.state.policy.extend_roles
    return await updates.extend(
        session, client, user=user, task_id=task_id, extend_roles=roles, body=body
    )


@router.post("/{task_id}/reassign", responses=PROBLEMS)
async def reassign(
    task_id: str,
    body: ReassignIn,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
    user: CurrentUser,
) -> UpdateResult:
    """Hand a task to someone else (new commander, adviser or investigator), with the reason."""
    roles = request.app.state.policy.reassign_roles
    return await updates.reassign(
        session, client, user=user, task_id=task_id, reassign_roles=roles, body=body
    )
