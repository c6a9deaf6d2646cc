"""Request and response bodies of the API, with the examples shown in the OpenAPI docs."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from domain.bounds import check_bounded
from domain.case import Melding
from domain.phases import Phase, TaskType
from domain.roles import Role


class MeldingIn(Melding):
    """A melding as the commandant or COID adviser registers it.

    `betrokkenen` are **pseudonymous references** (e.g. `BTR-1`, a personnel-file key), never
    names: a value with spaces is refused. The melder's contact is seen only by the COID adviser.
    """

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "unit": "CLAS/11LMB",
                    "category": "ongewenste_omgangsvormen",
                    "channel": "webformulier",
                    "melder_type": "medewerker",
                    "melder_contact": "melder@example.invalid",
                    "description": "Herhaald kleineren van een collega tijdens oefening.",
                    "betrokkenen": ["BTR-1"],
                }
            ]
        },
    )


class CaseCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"case_id": "ZK-2026-00001", "created": True}]}
    )
    case_id: str
    created: bool = Field(description="False when the Idempotency-Key was seen before")
    readable: bool = Field(
        default=True,
        description="False (with status 202) when the case started but the store does not "
        "show it yet; GET the Location shortly",
    )


class TaskPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task_id": "ZK-2026-00001-T03",
                    "case_id": "ZK-2026-00001",
                    "task_type": "keuze_afhandeling",
                    "label": "Keuze afhandeling",
                    "role": "commandant",
                    "unit": "CLAS/11LMB",
                    "phase": "keuze_afhandeling",
                    "status": "open",
                    "opened_at": "2026-11-30T09:00:00Z",
                    "due_at": "2026-12-07T09:00:00Z",
                    "basis": "assumed",
                    "overdue": False,
                    "escalated": False,
                }
            ]
        }
    )
    task_id: str
    case_id: str
    task_type: TaskType
    label: str
    role: Role
    unit: str
    phase: Phase
    status: str
    betrokkene: str | None = None
    assignees: list[str] | None = Field(default=None, description="Hidden without need-to-know")
    opened_at: datetime | None
    due_at: datetime | None
    basis: str
    extensions: int = 0
    escalation_level: int = 0
    overdue: bool
    escalated: bool
    claimed_by: str | None = Field(
        default=None,
        description="Who took the task up from the shared inbox; shown to the claimant and "
        "to roles that may see assignees",
    )


class BetrokkenePublic(BaseModel):
    ref: str = Field(description="Pseudonymous reference; an ordinal for auditors")
    in_onderzoek: bool
    schending: bool | None = None
    maatregelen: list[str] | None = None
    bezwaar: str | None = None
    geschorst: bool = False


class CasePublic(BaseModel):
    """A case as the caller may see it: `hidden_fields` names what their role has no need for."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": "ZK-2026-00001",
                    "do": "CLAS",
                    "unit": "CLAS/11LMB",
                    "category": "ongewenste_omgangsvormen",
                    "channel": "webformulier",
                    "melder_type": "medewerker",
                    "variant": "standaard",
                    "phase": "weging",
                    "status": "open",
                    "registered_at": "2026-11-30T09:00:00Z",
                    "visible_as": "auditor",
                    "hidden_fields": ["melder_contact", "description"],
                    "open_tasks": [],
                    "next_due_at": "2026-12-14T09:00:00Z",
                    "overdue": False,
                }
            ]
        }
    )
    case_id: str
    do: str
    unit: str
    category: str
    channel: str
    melder_type: str
    variant: str
    phase: str
    status: str
    outcome: str | None = None
    registered_at: datetime | None = None
    updated_at: datetime | None = None
    visible_as: Role
    hidden_fields: list[str]
    description: str | None = None
    category_toelichting: str | None = None
    melder_contact: str | None = None
    close_reason: str | None = None
    klacht_referentie: str | None = None
    weging: str | None = None
    schending_vastgesteld: bool | None = None
    betrokkenen: list[BetrokkenePublic] | None = None
    open_tasks: list[TaskPublic]
    next_due_at: datetime | None = None
    overdue: bool


class CasePage(BaseModel):
    items: list[CasePublic]
    total: int | None = Field(
        default=None, description="How many cases match; counted only with count=true"
    )
    page: int = 1
    page_size: int
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null on the last page"
    )


class TaskPage(BaseModel):
    """One page of the inbox; the HTTP endpoint sends ``items`` as its body and the cursor in
    the ``Link`` and ``X-Next-Cursor`` headers."""

    items: list[TaskPublic]
    page_size: int
    next_cursor: str | None = None


class ExtendIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"new_due_at": "2027-01-15T17:00:00Z", "reason": "Getuige langdurig afwezig."}
            ]
        },
    )
    new_due_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=2000)

    _bounded = field_validator("*")(check_bounded)


class ReassignIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"assignee": "ond-2", "reason": "Onderzoeker met verlof."}]
        },
    )
    assignee: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)

    _bounded = field_validator("*")(check_bounded)


class TimelineEventPublic(BaseModel):
    seq: int
    event_type: str
    occurred_at: datetime | None
    actor_role: str | None = None
    actor_sub: str | None = Field(default=None, description="Hidden without need-to-know")
    actor_name: str | None = Field(default=None, description="Hidden without need-to-know")
    details: dict[str, object]
    hash: str
    prev_hash: str


class Timeline(BaseModel):
    case_id: str
    visible_as: Role
    events: list[TimelineEventPublic]


class WithdrawIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Melder trekt de melding in na gesprek."}]},
    )
    reason: str = Field(min_length=1, max_length=2000)

    _bounded = field_validator("*")(check_bounded)


class SchorsingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"betrokkene": "BTR-1", "reason": "Belang van het onderzoek."}]
        },
    )
    betrokkene: str = Field(min_length=1, max_length=40, description="Pseudonymous reference")
    reason: str = Field(min_length=1, max_length=2000)

    _bounded = field_validator("*")(check_bounded)
