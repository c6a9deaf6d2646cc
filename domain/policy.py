"""The deadline and escalation policy: data, versioned, kept by a case for its whole life."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from domain.bounds import ABSOLUTE_EXTENSION
from domain.calendar import add_term
from domain.phases import TaskType
from domain.roles import Role

TermUnit = Literal["days", "working_days", "weeks", "months"]
OnDeadline = Literal["escalate", "expire"]


class Clock(BaseModel):
    """One row of the deadline table (domain reference, section 3)."""

    term: int = Field(gt=0)
    unit: TermUnit
    basis: str
    extendable: bool = True
    max_extensions: int | None = None
    extension_term: int | None = None
    extension_unit: TermUnit | None = None
    on_deadline: OnDeadline = "escalate"
    mid_term: int | None = None


class DeadlinePolicy(BaseModel):
    version: str
    reminder_fraction: float = Field(gt=0, lt=1)
    second_escalation_working_days: int = Field(gt=0)
    escalation: dict[Role, list[str]]
    extend_roles: list[Role]
    reassign_roles: list[Role]
    withdraw_roles: list[Role]
    hac_measures: list[str]
    ambtsbericht_zienswijze_weeks: int
    clocks: dict[TaskType, Clock]
    # Filled at start-up from a maintained library; a case keeps the dates it started with.
    public_holidays: list[date] = Field(default_factory=list)

    @cached_property
    def holiday_set(self) -> frozenset[date]:
        return frozenset(self.public_holidays)

    @model_validator(mode="after")
    def _every_task_has_a_clock(self) -> DeadlinePolicy:
        missing = [t.value for t in TaskType if t not in self.clocks]
        if missing:
            raise ValueError(f"policy {self.version} has no clock for: {', '.join(missing)}")
        return self

    def clock(self, task_type: TaskType) -> Clock:
        return self.clocks[task_type]

    def due(self, task_type: TaskType, start: datetime, *, via_mid: bool = False) -> datetime:
        clock = self.clocks[task_type]
        term = clock.mid_term if via_mid and clock.mid_term else clock.term
        return add_term(start, term, clock.unit, self.holiday_set)

    def reminder_at(self, opened: datetime, due: datetime) -> datetime:
        return opened + (due - opened) * self.reminder_fraction

    def second_escalation_at(self, due: datetime) -> datetime:
        return add_term(due, self.second_escalation_working_days, "working_days", self.holiday_set)

    def escalation_levels(self, role: Role) -> list[str]:
        return self.escalation.get(role, [])

    def max_extension(self, task_type: TaskType, due: datetime) -> datetime | None:
        """Latest due date an extension may set: the clock's own ceiling, or else the absolute
        one (domain.bounds.ABSOLUTE_EXTENSION), so that no deadline moves without bound."""
        clock = self.clocks[task_type]
        if clock.extension_term is None or clock.extension_unit is None:
            return due + ABSOLUTE_EXTENSION
        return add_term(due, clock.extension_term, clock.extension_unit, self.holiday_set)


def parse_policy(text: str) -> DeadlinePolicy:
    """Parse a TOML policy document (the file is read by the composition root)."""
    return DeadlinePolicy.model_validate(tomllib.loads(text))
