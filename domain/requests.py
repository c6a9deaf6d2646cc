"""What is asked of a case: its start, the Updates people send, and what an Update answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from domain.bounds import check_bounded
from domain.case import BETROKKENE_REF, Actor, CaseState, CaseStatus, MeldingFacts
from domain.phases import Phase
from domain.policy import DeadlinePolicy
from domain.roles import Role


class ReopenCase(BaseModel):
    """Reopening a closed case (new facts, a court ruling); its timeline continues."""

    actor: Actor
    grond: Literal["nieuwe_feiten", "rechterlijke_uitspraak"]
    reason: str = Field(min_length=1)
    phase: Phase = Phase.keuze_afhandeling


class StartCase(BaseModel):
    case_id: str
    melding: MeldingFacts
    registered_by: Actor
    policy: DeadlinePolicy
    resume: CaseState | None = None
    # Runs before reopening became an Update carried the request here (kept for replay).
    reopen: ReopenCase | None = None
    # A closed case's new run that waits for the ``reopen`` Update (update-with-start): its
    # validator decides; refused, the run ends as closed as it began.
    reopen_by_update: bool = False
    # 0: continue-as-new when the server suggests it; a number forces it earlier (tests, tuning).
    history_event_limit: int = 0


class CompleteTask(BaseModel):
    actor: Actor
    task_id: str
    payload: dict[str, Any]

    _bounded = field_validator("task_id", "payload")(check_bounded)


class ExtendTask(BaseModel):
    actor: Actor
    task_id: str
    new_due_at: datetime
    reason: str = Field(min_length=1)

    _bounded = field_validator("task_id", "new_due_at", "reason")(check_bounded)


class ReassignTask(BaseModel):
    actor: Actor
    task_id: str
    assignee: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    # What the directory says the assignee holds (the API looks it up); the validator checks it.
    assignee_roles: list[Role] | None = None
    assignee_units: list[str] | None = None

    _bounded = field_validator("task_id", "assignee", "reason")(check_bounded)


class WithdrawMelding(BaseModel):
    actor: Actor
    reason: str = Field(min_length=1)

    _bounded = field_validator("reason")(check_bounded)


class RecordSchorsing(BaseModel):
    actor: Actor
    betrokkene: str
    reason: str = Field(min_length=1)

    _bounded = field_validator("betrokkene", "reason")(check_bounded)


class LinkParty(BaseModel):
    """The case's COID adviser records that a user is the melder or a betrokkene of the case."""

    actor: Actor
    sub: str = Field(min_length=1)
    party: Literal["melder", "betrokkene"]
    reason: str = Field(min_length=1)


class StartNazorg(BaseModel):
    """The BG opens nazorg early: any time after the weging (section 2: it may start during the
    investigation)."""

    actor: Actor
    reason: str = Field(min_length=1)


class AddPerson(BaseModel):
    """A betrokkene or getuige who comes to light during the investigation."""

    actor: Actor
    ref: str
    as_role: Literal["betrokkene", "getuige"]
    reason: str = Field(min_length=1)

    @field_validator("ref")
    @classmethod
    def _pseudonym(cls, ref: str) -> str:
        if not BETROKKENE_REF.match(ref):
            raise ValueError(f"'{ref}' is not a pseudonymous reference (e.g. BTR-2), never a name")
        return ref


class NewVoornemen(BaseModel):
    """The BG considers a heavier measure than the voornemen named: a new voornemen first."""

    actor: Actor
    betrokkene: str
    reason: str = Field(min_length=1)


class LinkMelding(BaseModel):
    """Another case about the same events or people."""

    actor: Actor
    other_case_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1)


class UpdateResult(BaseModel):
    case_id: str
    task_id: str | None = None
    seq: int
    phase: Phase
    status: CaseStatus


class ClaimTask(BaseModel):
    """Taking up an unclaimed task from the inbox of one's role: it becomes one's own."""

    actor: Actor
    task_id: str

    _bounded = field_validator("task_id")(check_bounded)


class ReleaseTask(BaseModel):
    """Giving a claimed task back to the shared inbox of its role."""

    actor: Actor
    task_id: str

    _bounded = field_validator("task_id")(check_bounded)
