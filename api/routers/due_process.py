"""Due process on a case: early nazorg, betrokkenen and getuigen, related meldingen, the protected
party link, and reopening a closed case. Each is a workflow Update (the reopen sent with its new
run's start) whose rules live in ``domain.rules``; a refusal is a problem with the rule's own
sentence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api import updates
from api.deps import CurrentUser, EngineDep, SettingsDep, TemporalDep
from api.problems import Problem
from api.reads import visible_case
from domain.case import Actor
from domain.errors import CaseRuleViolation
from domain.phases import Phase
from domain.requests import (
    AddPerson,
    LinkMelding,
    LinkParty,
    NewVoornemen,
    ReopenCase,
    StartNazorg,
    UpdateResult,
)
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


@dataclass(frozen=True)
class Step:
    """One due-process Update: its request model, the workflow handler, who may send it (or a
    function of the case's unit) and the action named in a refusal (formatted with the fields)."""

    model: type[BaseModel]
    update: Any
    roles: list[Role] | Callable[[str], list[Role]]
    action: str


NAZORG = Step(StartNazorg, CaseWorkflow.start_nazorg, [Role.commandant], "opening nazorg")
PERSON = Step(AddPerson, CaseWorkflow.add_person, [Role.commandant], "adding a {as_role}")
RELATED = Step(
    LinkMelding,
    CaseWorkflow.link_melding,
    [Role.commandant, Role.coid_adviseur, Role.kmar_integriteitsadviseur],
    "linking a related melding",
)
PARTY = Step(
    LinkParty,
    CaseWorkflow.link_party,
    lambda unit: [intake_role(unit)],  # the case's own adviser
    "recording a conflict of interest",
)
REOPEN = Step(ReopenCase, CaseWorkflow.reopen, [Role.commandant], "reopening a case")
VOORNEMEN = Step(
    NewVoornemen, CaseWorkflow.new_voornemen, [Role.commandant], "asking for a new voornemen"
)


@dataclass(frozen=True)
class CaseSteps:
    engine: Engine
    client: Client
    user: Actor

    async def actor(self, case_id: str, step: Step, fields: dict[str, Any]) -> Actor:
        """The case must be visible (404) and the user act in one of the step's roles (403).
        The store session is closed before the caller awaits Temporal."""
        unit = await run_in_threadpool(_case_unit, self.engine, self.user, case_id)
        roles = step.roles(unit) if callable(step.roles) else step.roles
        return updates.acting_as(self.user, roles, step.action.format(**fields))

    async def send(self, case_id: str, step: Step, **fields: Any) -> UpdateResult:
        """Check early, build the request (422), and let the workflow's validator decide."""
        actor = await self.actor(case_id, step, fields)
        request = updates.domain_request(step.model, actor=actor, **fields)
        return await updates.run_update(self.client, case_id, step.update, request)


def case_steps(engine: EngineDep, client: TemporalDep, user: CurrentUser) -> CaseSteps:
    return CaseSteps(engine, client, user)


Steps = Annotated[CaseSteps, Depends(case_steps)]


@router.post("/{case_id}/nazorg", responses=PROBLEMS)
async def start_nazorg(case_id: str, body: Reason, steps: Steps) -> UpdateResult:
    """The commandant opens nazorg, any time after the weging."""
    return await steps.send(case_id, NAZORG, reason=body.reason)


@router.post("/{case_id}/personen", responses=PROBLEMS)
async def add_person(case_id: str, body: PersonIn, steps: Steps) -> UpdateResult:
    """A betrokkene (until the concept-rapport) or getuige joins the investigation."""
    return await steps.send(case_id, PERSON, **body.model_dump())


@router.post("/{case_id}/gerelateerd", responses=PROBLEMS)
async def link_melding(case_id: str, body: RelatedIn, steps: Steps) -> UpdateResult:
    """Link another case about the same events or people."""
    return await steps.send(case_id, RELATED, **body.model_dump())


@router.post("/{case_id}/belangenconflict", responses=PROBLEMS)
async def link_party(case_id: str, body: PartyIn, steps: Steps) -> UpdateResult:
    """The case's own adviser records that a user is its melder or a betrokkene: from then on
    that user cannot act on it in any role. The timeline names nobody."""
    return await steps.send(case_id, PARTY, **body.model_dump())


@router.post("/{case_id}/voornemens", responses=PROBLEMS)
async def new_voornemen(case_id: str, body: NewVoornemenIn, steps: Steps) -> UpdateResult:
    """The commandant considers a heavier measure: a new voornemen, zienswijze and HAC first."""
    return await steps.send(case_id, VOORNEMEN, **body.model_dump())


@router.post("/{case_id}/reopen", responses=PROBLEMS)
async def reopen(
    case_id: str, body: ReopenIn, steps: Steps, settings: SettingsDep
) -> dict[str, str]:
    """The commandant reopens a closed case with reasons; its timeline carries on."""
    actor = await steps.actor(case_id, REOPEN, {})
    request = updates.domain_request(ReopenCase, actor=actor, **body.model_dump())
    try:
        result = await reopen_case(
            steps.client, case_id=case_id, request=request, task_queue=settings.task_queue
        )
    except CaseRuleViolation as exc:
        raise Problem(updates.REJECTION_STATUS[exc.kind.value], exc.message) from None
    return {"case_id": case_id, "status": result.status, "phase": result.phase.value}
