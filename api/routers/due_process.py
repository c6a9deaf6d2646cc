"""Due process on a case: early nazorg, betrokkenen and getuigen, related meldingen, the protected
party link, and reopening a closed case. Each is a workflow Update (or a new run) whose rules
live in ``domain.rules``; a refusal is a problem with the rule's own sentence."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api import updates
from api.deps import CurrentUser, EngineDep, SettingsDep, TemporalDep
from api.problems import Problem
from api.reads import visible_case
from domain.case import (
    Actor,
    AddPerson,
    LinkMelding,
    LinkParty,
    NewVoornemen,
    ReopenCase,
    StartNazorg,
    UpdateResult,
)
from domain.errors import CaseRuleViolation
from domain.phases import Phase
from domain.roles import Role, intake_role
from sg989.cases import reopen_case
from workflows.case import CaseWorkflow

router = APIRouter(prefix="/cases", tags=["due process"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller lacks the role or the unit"},
    404: {"description": "No such case within the caller's scope"},
    409: {"description": "Not allowed at this point of the case (the detail says why)"},
}


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class PersonIn(Reason):
    ref: str = Field(description="Pseudonymous reference, e.g. BTR-2 or GTG-1; never a name")
    as_role: Literal["betrokkene", "getuige"]


class RelatedIn(Reason):
    other_case_id: str = Field(min_length=1, max_length=40)


class PartyIn(Reason):
    sub: str = Field(min_length=1, description="The user who is melder or betrokkene")
    party: Literal["melder", "betrokkene"]


class NewVoornemenIn(Reason):
    betrokkene: str = Field(min_length=1)


class ReopenIn(Reason):
    grond: Literal["nieuwe_feiten", "rechterlijke_uitspraak"]
    phase: Phase = Phase.keuze_afhandeling


def _case_unit(engine: Engine, user: Actor, case_id: str) -> str:
    """The unit of a case the user may read (404 otherwise), looked up off the event loop."""
    with Session(engine) as session:
        case, _, _ = visible_case(session, user, case_id)
        return case.unit


@router.post("/{case_id}/nazorg", responses=PROBLEMS)
async def start_nazorg(
    case_id: str, body: Reason, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """The commandant opens nazorg, any time after the weging."""
    await updates.readable_case(engine, user, case_id)
    actor = updates.acting_as(user, [Role.commandant], "opening nazorg")
    request = updates.domain_request(StartNazorg, actor=actor, reason=body.reason)
    return await updates.run_update(client, case_id, CaseWorkflow.start_nazorg, request)


@router.post("/{case_id}/personen", responses=PROBLEMS)
async def add_person(
    case_id: str, body: PersonIn, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """A betrokkene (until the concept-rapport) or getuige joins the investigation."""
    await updates.readable_case(engine, user, case_id)
    actor = updates.acting_as(user, [Role.commandant], f"adding a {body.as_role}")
    request = updates.domain_request(
        AddPerson, actor=actor, ref=body.ref, as_role=body.as_role, reason=body.reason
    )
    return await updates.run_update(client, case_id, CaseWorkflow.add_person, request)


@router.post("/{case_id}/gerelateerd", responses=PROBLEMS)
async def link_melding(
    case_id: str, body: RelatedIn, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """Link another case about the same events or people."""
    await updates.readable_case(engine, user, case_id)
    roles = [Role.commandant, Role.coid_adviseur, Role.kmar_integriteitsadviseur]
    actor = updates.acting_as(user, roles, "linking a related melding")
    request = updates.domain_request(
        LinkMelding, actor=actor, other_case_id=body.other_case_id, reason=body.reason
    )
    return await updates.run_update(client, case_id, CaseWorkflow.link_melding, request)


@router.post("/{case_id}/belangenconflict", responses=PROBLEMS)
async def link_party(
    case_id: str, body: PartyIn, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """The case's own adviser records that a user is its melder or a betrokkene: from then on
    that user cannot act on it in any role. The timeline names nobody."""
    role = intake_role(await run_in_threadpool(_case_unit, engine, user, case_id))
    actor = updates.acting_as(user, [role], "recording a conflict of interest")
    request = updates.domain_request(
        LinkParty, actor=actor, sub=body.sub, party=body.party, reason=body.reason
    )
    return await updates.run_update(client, case_id, CaseWorkflow.link_party, request)


@router.post("/{case_id}/voornemens", responses=PROBLEMS)
async def new_voornemen(
    case_id: str, body: NewVoornemenIn, engine: EngineDep, client: TemporalDep, user: CurrentUser
) -> UpdateResult:
    """The commandant considers a heavier measure: a new voornemen, zienswijze and HAC first."""
    await updates.readable_case(engine, user, case_id)
    actor = updates.acting_as(user, [Role.commandant], "asking for a new voornemen")
    request = updates.domain_request(
        NewVoornemen, actor=actor, betrokkene=body.betrokkene, reason=body.reason
    )
    return await updates.run_update(client, case_id, CaseWorkflow.new_voornemen, request)


@router.post("/{case_id}/reopen", responses=PROBLEMS)
async def reopen(
    case_id: str,
    body: ReopenIn,
    engine: EngineDep,
    client: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> dict[str, str]:
    """The commandant reopens a closed case with reasons; its timeline carries on."""
    await updates.readable_case(engine, user, case_id)
    actor = updates.acting_as(user, [Role.commandant], "reopening a case")
    request = updates.domain_request(
        ReopenCase, actor=actor, grond=body.grond, reason=body.reason, phase=body.phase
    )
    try:
        await reopen_case(client, case_id=case_id, request=request, task_queue=settings.task_queue)
    except CaseRuleViolation as exc:
        raise Problem(updates.REJECTION_STATUS[exc.kind.value], exc.message) from None
    return {"case_id": case_id, "status": "open", "phase": body.phase.value}
