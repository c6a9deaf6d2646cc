"""The rows reports count, read from the store once. No names leave this module: only references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import as_utc
from store.models import Betrokkene, Case, MeasureDecision, PhaseVisit, Task


@dataclass(frozen=True)
class CaseFact:
    case_id: str
    do: str
    unit: str
    category: str
    channel: str
    imported: bool
    import_source: str | None
    registered_at: datetime | None
    onderzoek_started_at: datetime | None
    onderzoek_ended_at: datetime | None
    schending_vastgesteld: bool | None


@dataclass(frozen=True)
class BetrokkeneFact:
    case_id: str
    ref: str


@dataclass(frozen=True)
class DecisionFact:
    case_id: str
    betrokkene_ref: str
    measure: str
    decided_at: datetime | None


@dataclass(frozen=True)
class VisitFact:
    case_id: str
    phase: str
    entered_at: datetime | None
    left_at: datetime | None


@dataclass(frozen=True)
class TaskFact:
    case_id: str
    task_type: str
    phase: str
    role: str
    unit: str
    status: str
    opened_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None
    extensions: int
    escalation_level: int


@dataclass(frozen=True)
class Facts:
    cases: list[CaseFact]
    betrokkenen: list[BetrokkeneFact]
    decisions: list[DecisionFact]
    visits: list[VisitFact]
    tasks: list[TaskFact]

    def for_do(self, do: str | None) -> Facts:
        if do is None:
            return self
        ids = {c.case_id for c in self.cases if c.do.lower() == do.lower()}
        return Facts(
            [c for c in self.cases if c.case_id in ids],
            [b for b in self.betrokkenen if b.case_id in ids],
            [d for d in self.decisions if d.case_id in ids],
            [v for v in self.visits if v.case_id in ids],
            [t for t in self.tasks if t.case_id in ids],
        )

    @property
    def do_of(self) -> dict[str, str]:
        return {c.case_id: c.do for c in self.cases}


def load_facts(engine: Engine) -> Facts:
    """Everything a report counts. Lead-time rows only for live cases: imports carry no phases."""
    with Session(engine) as session:
        cases = [_case(c) for c in session.exec(select(Case)).all()]
        live = {c.case_id for c in cases if not c.imported}
        betrokkenen = [
            BetrokkeneFact(case_id, ref)
            for case_id, ref in session.exec(select(Betrokkene.case_id, Betrokkene.ref)).all()
        ]
        decisions = [
            DecisionFact(d.case_id, d.betrokkene_ref, d.measure, as_utc(d.decided_at))
            for d in session.exec(select(MeasureDecision)).all()
        ]
        visits = [
            VisitFact(v.case_id, v.phase, as_utc(v.entered_at), as_utc(v.left_at))
            for v in session.exec(select(PhaseVisit).order_by(col(PhaseVisit.entered_at))).all()
            if v.case_id in live
        ]
        tasks = [_task(t) for t in session.exec(select(Task)).all() if t.case_id in live]
    return Facts(cases, betrokkenen, decisions, visits, tasks)


def _case(c: Case) -> CaseFact:
    return CaseFact(
        c.case_id,
        c.do,
        c.unit,
        c.category,
        c.channel,
        c.imported,
        c.import_source,
        as_utc(c.registered_at),
        as_utc(c.onderzoek_started_at),
        as_utc(c.onderzoek_ended_at),
        c.schending_vastgesteld,
    )


def _task(t: Task) -> TaskFact:
    return TaskFact(
        t.case_id,
        t.task_type,
        t.phase,
        t.role,
        t.unit,
        t.status,
        as_utc(t.opened_at),
        as_utc(t.due_at),
        as_utc(t.completed_at),
        t.extensions,
        t.escalation_level,
    )
