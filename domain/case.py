"""The state of one case as the workflow holds it (what may change it: domain/requests.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from domain.bounds import check_bounded
from domain.categories import Category, Channel, MelderType
from domain.phases import Phase, TaskType
from domain.policy import DeadlinePolicy
from domain.roles import Role, defensieonderdeel_of

TaskStatus = Literal["open", "done", "cancelled", "expired"]
CaseStatus = Literal["open", "gesloten"]
Outcome = Literal[
    "afgedaan",
    "ingetrokken",
    "doorverwezen_klacht",
]


class Actor(BaseModel):
    """Who acts, in which role, from the claims of their token."""

    sub: str = Field(min_length=1)
    name: str = ""
    roles: list[Role]
    units: list[str]
    acting_role: Role | None = None

    def role_for(self, wanted: Role) -> bool:
        return wanted in self.roles


# A betrokkene is referred to by a pseudonym such as "BTR-1": no spaces, so never a full name.
BETROKKENE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


class Melding(BaseModel):
    """What is registered when a case starts. Betrokkenen are pseudonymous references."""

    unit: str = Field(min_length=1, max_length=100, description="Unit path, e.g. CLAS/11LMB")
    category: Category
    category_toelichting: str | None = Field(default=None, max_length=2000)
    channel: Channel
    melder_type: MelderType
    melder_contact: str | None = Field(default=None, max_length=500)
    description: str = Field(min_length=1, max_length=20_000)
    betrokkenen: list[str] = Field(default_factory=list, max_length=50)

    _bounded = field_validator("*")(check_bounded)

    @field_validator("unit")
    @classmethod
    def _unit_in_a_defensieonderdeel(cls, unit: str) -> str:
        defensieonderdeel_of(unit)
        return unit

    @field_validator("betrokkenen")
    @classmethod
    def _pseudonyms_only(cls, refs: list[str]) -> list[str]:
        for ref in refs:
            if not BETROKKENE_REF.match(ref):
                raise ValueError(
                    f"'{ref}' is not a pseudonymous reference: use letters, digits and . _ - / "
                    "without spaces (e.g. BTR-1), never a name"
                )
        if len(set(refs)) != len(refs):
            raise ValueError("each betrokkene may be listed once (betrokkenen must be distinct)")
        return refs

    @model_validator(mode="after")
    def _overig_is_explained(self) -> Melding:
        if self.category is Category.overig and not self.category_toelichting:
            raise ValueError("category 'overig' requires a category_toelichting")
        return self

    def facts(self) -> MeldingFacts:
        """What the workflow may carry: the melding without its text or the melder's contact."""
        return MeldingFacts(
            unit=self.unit,
            category=self.category,
            channel=self.channel,
            melder_type=self.melder_type,
            betrokkenen=list(self.betrokkenen),
            has_contact=bool(self.melder_contact),
        )


class MeldingFacts(BaseModel):
    """The melding as the workflow knows it: no description, contact or toelichting (those are
    written to the store at registration and never enter Temporal's history)."""

    unit: str
    category: Category
    channel: Channel
    melder_type: MelderType
    betrokkenen: list[str] = Field(default_factory=list)
    has_contact: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_a_whole_melding(cls, data: Any) -> Any:
        # Runs started before the text left history carry the whole melding: keep its facts.
        if isinstance(data, BaseModel):
            data = data.model_dump()
        if isinstance(data, dict) and "has_contact" not in data and "melder_contact" in data:
            data = {**data, "has_contact": bool(data["melder_contact"])}
        return data


class TaskState(BaseModel):
    task_id: str
    task_type: TaskType
    phase: Phase
    role: Role
    unit: str
    label: str
    betrokkene: str | None = None
    occurrence: str | None = None  # tells apart repeated tasks of one type, e.g. check-ins
    assignees: list[str] = Field(default_factory=list)
    status: TaskStatus = "open"
    opened_at: datetime
    due_at: datetime
    basis: str
    reminder_at: datetime
    reminded: bool = False
    escalation_level: int = 0
    extensions: int = 0
    timer_version: int = 0
    completed_at: datetime | None = None
    completed_by: str | None = None
    payload: dict[str, Any] | None = None
    # Who took the task up from the shared inbox (not set when it was assigned or reassigned).
    claimed_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class BetrokkeneState(BaseModel):
    ref: str
    in_onderzoek: bool = False
    schending: bool | None = None
    voorgenomen: list[str] = Field(default_factory=list)
    maatregelen: list[str] = Field(default_factory=list)
    besluit_at: datetime | None = None
    bezwaar: str | None = None
    geschorst: bool = False


class Closing(BaseModel):
    """A closure decided (withdrawal, klacht) that waits for the outcome feedback to the melder."""

    outcome: Outcome
    reason: str
    actor: Actor | None = None


class CaseState(BaseModel):
    case_id: str
    melding: MeldingFacts
    registered_by: Actor
    policy: DeadlinePolicy
    variant: Literal["standaard", "kmar"]
    registered_at: datetime
    phase: Phase = Phase.intake
    status: CaseStatus = "open"
    outcome: Outcome | None = None
    close_reason: str | None = None
    klacht_referentie: str | None = None
    tasks: dict[str, TaskState] = Field(default_factory=dict)
    task_counter: int = 0
    seq: int = 0
    betrokkenen: dict[str, BetrokkeneState] = Field(default_factory=dict)
    weging: str | None = None
    onderzoek_started_at: datetime | None = None
    onderzoek_ended_at: datetime | None = None
    onderzoekers: list[str] = Field(default_factory=list)
    phase_entered_at: dict[str, datetime] = Field(default_factory=dict)
    continued: int = 0
    # When the melder withdrew; the case may go on (obligations outlive the melder's wishes).
    withdrawn_at: datetime | None = None
    # People linked to the case as melder or betrokkene (protected: only the case's adviser
    # records it; it never reaches the read model). They cannot act on it in any role.
    linked_parties: list[str] = Field(default_factory=list)
    getuigen: list[str] = Field(default_factory=list)
    related_cases: list[str] = Field(default_factory=list)
    # Set while the melder is told the outcome of a withdrawal or klacht; then the case closes.
    closing: Closing | None = None

    def open_tasks(self) -> list[TaskState]:
        return [t for t in self.tasks.values() if t.is_open]
