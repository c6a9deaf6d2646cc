"""The deadline and escalation policy: data, versioned, kept by a case for its whole life."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from domain.bounds import ABSOLUTE_EXTENSION
from domain.calendar import add_term
from domain.measures import DEFAULT_SEVERITY, FORMAL_MEASURES
from domain.phases import TaskType
from domain.roles import Role, defensieonderdeel_of
from domain.workcalendar import CalendarPolicy, from_amsterdam, to_amsterdam

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
    # Who may extend this clock; None: the policy's general extend_roles.
    extend_roles: list[Role] | None = None
    # Parties told when this clock is extended (addressable: the melder, each betrokkene).
    notify_on_extension: list[Literal["melder", "betrokkene"]] = Field(default_factory=list)
    # Term with an advisory commission (beslissing op bezwaar, Awb 7:10 second paragraph).
    advisory_term: int | None = None


class Term(BaseModel):
    term: int = Field(gt=0)
    unit: TermUnit


# Clocks of task types added after a policy version was published: a case that started under
# an older version gets these (assumed) defaults rather than failing to load.
LATER_CLOCKS: dict[TaskType, Clock] = {
    TaskType.besluit_na_intrekking: Clock(term=5, unit="working_days", basis="assumed"),
}
# The nazorg check-ins before they were policy: 4 weeks and 3 months after the besluit.
DEFAULT_CHECKINS = [Term(term=4, unit="weeks"), Term(term=3, unit="months")]


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
    # Which formal measures need HAC advice, per defensieonderdeel; others use hac_measures.
    hac_measures_by_defensieonderdeel: dict[str, list[str]] = Field(default_factory=dict)
    hac_basis: dict[str, str] = Field(default_factory=dict)
    measure_severity: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    nazorg_checkins: list[Term] = Field(default_factory=lambda: list(DEFAULT_CHECKINS))
    # The KMar's own chain (section 1): replaces ``escalation`` for these roles in KMar cases.
    escalation_kmar: dict[Role, list[str]] = Field(default_factory=dict)
    # Working days and holidays by rule in Amsterdam time; None (versions before 2026.2): UTC
    # dates and the ``public_holidays`` list, times of day kept.
    calendar: CalendarPolicy | None = None
    # Filled at start-up from a maintained library; a case keeps the dates it started with.
    public_holidays: list[date] = Field(default_factory=list)

    @cached_property
    def holiday_set(self) -> frozenset[date]:
        return frozenset(self.public_holidays)

    @model_validator(mode="before")
    @classmethod
    def _later_clocks(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("clocks"), dict):
            clocks = dict(data["clocks"])
            for task_type, clock in LATER_CLOCKS.items():
                if task_type.value not in clocks and task_type not in clocks:
                    clocks[task_type.value] = clock
            onderzoek = clocks.get(TaskType.concept_rapport.value)
            if isinstance(onderzoek, dict) and "notify_on_extension" not in onderzoek:
                # Section 3 always said so; versions before 2026.2 left it to the code.
                clocks[TaskType.concept_rapport.value] = {
                    **onderzoek,
                    "notify_on_extension": ["melder", "betrokkene"],
                }
            data = {**data, "clocks": clocks}
        return data

    @model_validator(mode="after")
    def _hac_measures_are_formal(self) -> DeadlinePolicy:
        for do, measures in {
            "default": self.hac_measures,
            **self.hac_measures_by_defensieonderdeel,
        }.items():
            informal = [m for m in measures if m not in FORMAL_MEASURES]
            if informal:
                raise ValueError(
                    f"policy {self.version}: HAC advice is for formal measures; "
                    f"{do} lists {', '.join(informal)}"
                )
        return self

    @model_validator(mode="after")
    def _every_task_has_a_clock(self) -> DeadlinePolicy:
        missing = [t.value for t in TaskType if t not in self.clocks]
        if missing:
            raise ValueError(f"policy {self.version} has no clock for: {', '.join(missing)}")
        return self

    def clock(self, task_type: TaskType) -> Clock:
        return self.clocks[task_type]

    def term_end(self, start: datetime, amount: int, unit: str) -> datetime:
        """When a term of ``amount`` ``unit`` from ``start`` ends: with a calendar, at the end
        of a working day in Amsterdam (never on a weekend or holiday)."""
        if self.calendar is None:
            return add_term(start, amount, unit, self.holiday_set)
        if unit == "working_days":
            return self.calendar.add_working_days(start, amount)
        local_end = add_term(to_amsterdam(start), amount, unit)
        return self.calendar.deadline(from_amsterdam(local_end))

    def deadline_on(self, moment: datetime) -> datetime:
        """A moment set by hand (an extension) as a term end: with a calendar, the end of that
        working day in Amsterdam, or of the next one; without one (before 2026.2), unchanged."""
        if self.calendar is None:
            return moment
        return self.calendar.deadline(moment)

    def due(self, task_type: TaskType, start: datetime, *, via_mid: bool = False) -> datetime:
        clock = self.clocks[task_type]
        term = clock.mid_term if via_mid and clock.mid_term else clock.term
        return self.term_end(start, term, clock.unit)

    def reminder_at(self, opened: datetime, due: datetime) -> datetime:
        moment = opened + (due - opened) * self.reminder_fraction
        if self.calendar is None:
            return moment
        on_working_day = self.calendar.on_working_day(moment)
        return on_working_day if on_working_day > opened else moment

    def second_escalation_at(self, due: datetime) -> datetime:
        return self.term_end(due, self.second_escalation_working_days, "working_days")

    def escalation_levels(self, role: Role) -> list[str]:
        return self.escalation.get(role, [])

    def max_extension(self, task_type: TaskType, due: datetime) -> datetime | None:
        """Latest due date an extension may set: the clock's own ceiling, or else the absolute
        one (domain.bounds.ABSOLUTE_EXTENSION), so that no deadline moves without bound."""
        clock = self.clocks[task_type]
        if clock.extension_term is None or clock.extension_unit is None:
            return due + ABSOLUTE_EXTENSION
        return self.term_end(due, clock.extension_term, clock.extension_unit)

    def for_variant(self, variant: str) -> DeadlinePolicy:
        """The policy a case of ``variant`` runs under: KMar escalation stays in the KMar."""
        if variant != "kmar" or not self.escalation_kmar:
            return self
        escalation = {**self.escalation, **self.escalation_kmar}
        return self.model_copy(update={"escalation": escalation})

    def hac_measures_for(self, unit: str) -> frozenset[str]:
        """Formal measures that need HAC advice in the defensieonderdeel of ``unit``."""
        do = defensieonderdeel_of(unit).value
        return frozenset(self.hac_measures_by_defensieonderdeel.get(do, self.hac_measures))

    def hac_basis_for(self, unit: str) -> str:
        do = defensieonderdeel_of(unit).value
        return self.hac_basis.get(do, self.hac_basis.get("default", "assumed"))

    def severity(self, measure: str) -> int:
        return self.measure_severity.get(measure, 0)

    def extend_roles_for(self, task_type: TaskType) -> list[Role]:
        roles = self.clocks[task_type].extend_roles
        return list(self.extend_roles if roles is None else roles)

    def due_from(self, task_type: TaskType, start: datetime, *, advisory: bool = False) -> datetime:
        """The clock's term from ``start`` (the advisory-commission term where asked for)."""
        clock = self.clocks[task_type]
        term = clock.advisory_term if advisory and clock.advisory_term else clock.term
        return self.term_end(start, term, clock.unit)

    def checkin_dues(self, besluit_at: datetime) -> list[datetime]:
        return [self.term_end(besluit_at, t.term, t.unit) for t in self.nazorg_checkins]


def parse_policy(text: str) -> DeadlinePolicy:
    """Parse a TOML policy document (the file is read by the composition root)."""
    return DeadlinePolicy.model_validate(tomllib.loads(text))
