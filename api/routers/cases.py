"""Registering a melding, reading cases within need-to-know, withdrawal and schorsing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response, status

from api import updates
from api.deps import CurrentUser, EngineDep, SessionDep, SettingsDep, TemporalDep
from api.reads import CaseFilter, case_public, list_cases, now_utc, record_access, visible_case
from api.registration import register_melding
from api.schemas import CaseCreated, CasePage, CasePublic, MeldingIn, SchorsingIn, WithdrawIn
from domain.case import UpdateResult
from domain.categories import Category
from domain.phases import Phase

router = APIRouter(prefix="/cases", tags=["cases"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The caller lacks the role or the unit"},
    404: {"description": "No such case within the caller's scope"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": CaseCreated, "description": "Idempotency-Key seen before"},
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
            max_length=200, description="Repeat a request safely: the same key gives the same case"
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
    )
    if not created.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/cases/{created.case_id}"
    return created


@router.get("", responses=PROBLEMS)
def search(
    session: SessionDep,
    user: CurrentUser,
    phase: Phase | None = None,
    unit: Annotated[str | None, Query(description="A unit and everything below it")] = None,
    category: Category | None = None,
    overdue: Annotated[
        bool | None, Query(description="Only cases with (or without) an overdue task")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    """The cases in the caller's scope, newest first, each shown as the caller's role may see it."""
    flt = CaseFilter(
        phase=phase.value if phase else None,
        unit=unit,
        category=category.value if category else None,
        overdue=overdue,
    )
    return list_cases(session, user, flt, page=page, page_size=page_size)


@router.get("/{case_id}", responses=PROBLEMS)
def read(case_id: str, session: SessionDep, user: CurrentUser) -> CasePublic:
    """One case with its phase, open tasks and deadlines; the read is recorded in its access log."""
    case, tasks, role = visible_case(session, user, case_id)
    public = case_public(session, case, tasks, role, now_utc(), user=user)
    record_access(session, case_id=case_id, user=user, role=role, action="read")
    if public.melder_contact is not None:  # the melder's identity: a line of its own (issue 9)
        record_access(session, case_id=case_id, user=user, role=role, action="read_contact")
    return public


@router.post("/{case_id}/withdraw", responses={**PROBLEMS, 409: {"description": "Case closed"}})
async def withdraw(
    case_id: str,
    body: WithdrawIn,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
    user: CurrentUser,
) -> UpdateResult:
    """The melding is withdrawn: the case closes with the reason, its open tasks are cancelled."""
    roles = request.app.state.policy.withdraw_roles
    return await updates.withdraw(
        session, client, user=user, case_id=case_id, roles=roles, reason=body.reason
    )


@router.post(
    "/{case_id}/schorsingen", responses={**PROBLEMS, 409: {"description": "Already recorded"}}
)
async def record_schorsing(
    case_id: str, body: SchorsingIn, session: SessionDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """The commandant records a schorsing of a betrokkene; its review clock starts (3 months)."""
    return await updates.schorsing(
        session, client, user=user, case_id=case_id, betrokkene=body.betrokkene, reason=body.reason
    )
