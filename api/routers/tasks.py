"""The caller's inbox and what one does with a task: complete, extend, reassign, claim, release."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from pydantic import TypeAdapter
from sqlmodel import Session

from api import task_updates
from api.deps import CurrentUser, EngineDep, TemporalDep, json_response
from api.examples import openapi_examples
from api.reads import TaskFilter, inbox_page
from api.registration import check_idempotency_key
from api.schemas import ExtendIn, ReassignIn, TaskPublic
from domain.phases import Phase, TaskType
from domain.requests import UpdateResult

router = APIRouter(prefix="/tasks", tags=["tasks"])
TASK_LIST = TypeAdapter(list[TaskPublic])
UNIT_FILTER = "A unit and everything below it"
CURSOR = "From the previous page's X-Next-Cursor header; leave out for the first page"
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The caller lacks the role, the unit or the assignment"},
    404: {"description": "No such task within the caller's scope"},
    409: {"description": "The task was already completed, or the case moved on or closed"},
    422: {"description": "The body does not fit the task; each bad field is listed"},
    503: {"description": "Temporal or the store cannot be reached; nothing changed"},
}


@router.get(
    "",
    response_model=list[TaskPublic],
    responses={
        200: {
            "description": "One page of the inbox. The next page's address is in the `Link` "
            'header (rel="next") and its cursor in `X-Next-Cursor`; neither is sent on the '
            "last page."
        },
        401: PROBLEMS[401],
        422: {"description": "An unknown query parameter, a bad filter value or cursor"},
    },
)
def my_tasks(
    request: Request,
    engine: EngineDep,
    user: CurrentUser,
    phase: Phase | None = None,
    unit: Annotated[str | None, Query(max_length=100, description=UNIT_FILTER)] = None,
    task_type: TaskType | None = None,
    case: Annotated[str | None, Query(max_length=40, description="One case number")] = None,
    due_within_days: Annotated[
        int | None, Query(ge=0, le=3650, description="Due within this many days from now")
    ] = None,
    overdue: Annotated[bool | None, Query(description="Only overdue (or not overdue)")] = None,
    cursor: Annotated[str | None, Query(max_length=500, description=CURSOR)] = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Open tasks for the caller's roles and units, earliest deadline first, a page at a time."""
    flt = TaskFilter(
        phase=phase.value if phase else None,
        unit=unit,
        task_type=task_type.value if task_type else None,
        case_id=case,
        due_within_days=due_within_days,
        overdue=overdue,
    )
    with Session(engine, expire_on_commit=False) as session:  # opened in this thread: one hop
        page = inbox_page(session, user, flt, cursor=cursor, page_size=page_size)
    response = json_response(TASK_LIST.dump_json(page.items))
    if page.next_cursor:
        following = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
        response.headers["X-Next-Cursor"] = page.next_cursor
    return response


@router.post(
    "/{task_id}/complete",
    responses={**PROBLEMS, 400: {"description": "A malformed Idempotency-Key header"}},
)
async def complete(
    task_id: str,
    engine: EngineDep,
    client: TemporalDep,
    user: CurrentUser,
    payload: Annotated[dict[str, Any], Body(openapi_examples=openapi_examples())],
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Repeat a completion safely (after a lost answer, on another replica): "
            "the same key from the same person for the same task is applied once and answered "
            "with the first result"
        ),
    ] = None,
) -> UpdateResult:
    """Complete a task with the payload its type needs (see the examples per task type).

    Answers once the store shows the result, including the tasks the case opened next.
    """
    check_idempotency_key(idempotency_key)
    return await task_updates.complete(
        engine,
        client,
        user=user,
        task_id=task_id,
        payload=payload,
        idempotency_key=idempotency_key,
    )


@router.post("/{task_id}/extend", responses=PROBLEMS)
async def extend(
    task_id: str,
    body: ExtendIn,
    request: Request,
    engine: EngineDep,
    client: TemporalDep,
    user: CurrentUser,
) -> UpdateResult:
    """Move a deadline to a later date, with the reason (where the policy allows it)."""
    policy = request.app.state.policy
    return await task_updates.extend(
        engine,
        client,
        user=user,
        task_id=task_id,
        extend_roles=policy.extend_roles,
        body=body,
        policy=policy,
    )


@router.post("/{task_id}/reassign", responses=PROBLEMS)
async def reassign(
    task_id: str,
    body: ReassignIn,
    request: Request,
    engine: EngineDep,
    client: TemporalDep,
    user: CurrentUser,
) -> UpdateResult:
    """Hand a task to someone else (new commander, adviser or investigator), with the reason."""
    roles = request.app.state.policy.reassign_roles
    return await task_updates.reassign(
        engine, client, user=user, task_id=task_id, reassign_roles=roles, body=body
    )


@router.post("/{task_id}/claim", responses=PROBLEMS)
async def claim(
    task_id: str, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """Take up a task nobody has yet: anyone holding the task's role for its unit may."""
    return await task_updates.claim(engine, client, user=user, task_id=task_id)


@router.post("/{task_id}/release", responses=PROBLEMS)
async def release(
    task_id: str, request: Request, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """Give a claimed task back to its role's inbox: the claimant, or a role that may reassign."""
    roles = request.app.state.policy.reassign_roles
    return await task_updates.release(
        engine, client, user=user, task_id=task_id, reassign_roles=roles
    )
