"""Registering a melding, reading cases within need-to-know, withdrawal and schorsing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response, status
from sqlmodel import Session

from api import updates
from api.access_log import record_case_read
from api.deps import CurrentUser, EngineDep, SessionDep, SettingsDep, TemporalDep, json_response
from api.reads import (
    CaseFilter,
    case_public,
    list_cases,
    now_utc,
    visible_case,
)
from api.registration import register_melding
from api.schemas import CaseCreated, CasePage, CasePublic, MeldingIn, SchorsingIn, WithdrawIn
from domain.categories import Category
from domain.phases import Phase
from domain.requests import UpdateResult

router = APIRouter(prefix="/cases", tags=["cases"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    400: {"description": "A malformed header (an empty or over-long Idempotency-Key)"},
    403: {"description": "The caller lacks the role or the unit"},
    404: {"description": "No such case within the caller's scope"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": CaseCreated, "description": "Idempotency-Key seen before"},
        202: {"model": CaseCreated, "description": "Started; the store does not show it yet"},
        **PROBLEMS,
    },
)
async def register(
    request: Request,
    response: Response,
    user: CurrentUser,
    engine: EngineDep,
    settings: SettingsDep,
    client: TemporalDep,
    melding: Annotated[MeldingIn, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Repeat a request safely: the same key (1-200 visible ASCII characters) "
            "from the same person gives the same case"
        ),
    ] = None,
) -> CaseCreated:
    """A commandant or COID adviser registers a melding; the answer carries the case number."""
    created = await register_melding(
        engine,
        client,
        user=user,
        melding=melding,
        idempotency_key=idempotency_key,
        policy=request.app.state.policy,
        task_queue=settings.task_queue,
        organisation=request.app.state.organisation,
    )
    if not created.readable:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Retry-After"] = "2"
    elif not created.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/cases/{created.case_id}"
    return created


@router.get("", response_model=CasePage, responses=PROBLEMS)
def search(
    engine: EngineDep,
    user: CurrentUser,
    phase: Phase | None = None,
    unit: Annotated[
        str | None, Query(max_length=100, description="A unit and everything below it")
    ] = None,
    category: Category | None = None,
    overdue: Annotated[
        bool | None, Query(description="Only cases with (or without) an overdue task")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=500, description="next_cursor of the previous page (fast at any depth)"),
    ] = None,
    page: Annotated[
        int, Query(ge=1, le=10_000, description="Page by number instead of cursor")
    ] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    count: Annotated[bool, Query(description="Also count every matching case (slower)")] = False,
) -> Response:
    """The cases in the caller's scope, newest first, each shown as the caller's role may see it.

    A page costs the same however many cases the store holds: no count unless asked for."""
    flt = CaseFilter(
        phase=phase.value if phase else None,
        unit=unit,
        category=category.value if category else None,
        overdue=overdue,
    )
    with Session(engine, expire_on_commit=False) as session:  # opened in this thread: one hop
        found = list_cases(
            session, user, flt, page=page, page_size=page_size, cursor=cursor, count=count
        )
    return json_response(found)  # built and checked once, by list_cases, not again


@router.get("/{case_id}", responses=PROBLEMS)
def read(case_id: str, session: SessionDep, user: CurrentUser) -> CasePublic:
    """One case with its phase, open tasks and deadlines; the read is recorded in its access log."""
    case, tasks, role = visible_case(session, user, case_id)
    public = case_public(session, case, tasks, role, now_utc(), user=user)
    record_case_read(session, public=public, user=user, role=role)
    return public


@router.post("/{case_id}/withdraw", responses={**PROBLEMS, 409: {"description": "Case closed"}})
async def withdraw(
    case_id: str,
    body: WithdrawIn,
    request: Request,
    engine: EngineDep,
    client: TemporalDep,
    user: CurrentUser,
) -> UpdateResult:
    """The melding is withdrawn: the case closes with the reason, its open tasks are cancelled."""
    roles = request.app.state.policy.withdraw_roles
    return await updates.withdraw(
        engine, client, user=user, case_id=case_id, roles=roles, reason=body.reason
    )


@router.post(
    "/{case_id}/schorsingen", responses={**PROBLEMS, 409: {"description": "Already recorded"}}
)
async def record_schorsing(
    case_id: str, body: SchorsingIn, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """The commandant records a schorsing of a betrokkene; its review clock starts (3 months)."""
    return await updates.schorsing(
        engine, client, user=user, case_id=case_id, betrokkene=body.betrokkene, reason=body.reason
    )
