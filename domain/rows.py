"""The rows the store keeps for a case, built from the workflow's state (pure, no I/O).

The workflow builds these after each step and sends only the rows that differ from what it
wrote last, so a field added to a row model here flows to the store without touching the
projection: the store copies every field of a row onto the column of the same name.
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from domain.case import BetrokkeneState, CaseState, TaskState
from domain.roles import defensieonderdeel_of


class CaseRow(BaseModel):
    """Case columns the workflow decides (never the melding's text: registration writes it)."""

    do: str
    unit: str
    category: str
    channel: str
    melder_type: str
    variant: str
    policy_version: str
    phase: str
    status: str
    outcome: str | None = None
    close_reason: str | None = None
    klacht_referentie: str | None = None
    weging: str | None = None
    schending_vastgesteld: bool | None = None
    registered_at: datetime | None = None
    onderzoek_started_at: datetime | None = None
    onderzoek_ended_at: datetime | None = None


class TaskRow(BaseModel):
    task_id: str
    task_type: str
    phase: str
    role: str
    unit: str
    label: str
    betrokkene: str | None = None
    assignees: list[str] = Field(default_factory=list)
    status: str
    basis: str
    opened_at: datetime
    due_at: datetime
    reminder_at: datetime
    reminded: bool = False
    escalation_level: int = 0
    extensions: int = 0
    completed_at: datetime | None = None
    completed_by: str | None = None
    claimed_by: str | None = None


class BetrokkeneRow(BaseModel):
    ref: str
    in_onderzoek: bool = False
    schending: bool | None = None
    besluit_at: datetime | None = None
    bezwaar: str | None = None
    geschorst: bool = False


class MeasureRows(BaseModel):
    """The measures decided for one betrokkene; replaces what the store held for them."""

    betrokkene_ref: str
    measures: list[str] = Field(default_factory=list)
    decided_at: datetime | None = None


class RowChanges(BaseModel):
    case: CaseRow | None = None
    tasks: list[TaskRow] = Field(default_factory=list)
    betrokkenen: list[BetrokkeneRow] = Field(default_factory=list)
    measures: list[MeasureRows] = Field(default_factory=list)
    # Protected links (a user who is melder or betrokkene): added, never removed.
    parties: list[str] = Field(default_factory=list)


def schending_vastgesteld(state: CaseState) -> bool | None:
    verdicts = [b.schending for b in state.betrokkenen.values()]
    if any(v is True for v in verdicts):
        return True
    if verdicts and all(v is False for v in verdicts):
        return False
    return None


def case_row(state: CaseState) -> CaseRow:
    melding = state.melding
    return CaseRow(
        do=defensieonderdeel_of(melding.unit).value,
        unit=melding.unit,
        category=str(melding.category),
        channel=str(melding.channel),
        melder_type=str(melding.melder_type),
        variant=state.variant,
        policy_version=state.policy.version,
        phase=str(state.phase),
        status=state.status,
        outcome=state.outcome,
        close_reason=state.close_reason,
        klacht_referentie=state.klacht_referentie,
        weging=state.weging,
        schending_vastgesteld=schending_vastgesteld(state),
        registered_at=state.registered_at,
        onderzoek_started_at=state.onderzoek_started_at,
        onderzoek_ended_at=state.onderzoek_ended_at,
    )


_TASK_FIELDS = attrgetter(*TaskRow.model_fields)
_BETROKKENE_FIELDS = attrgetter(*BetrokkeneRow.model_fields)


def task_row(task: TaskState) -> TaskRow:
    return TaskRow.model_validate(
        {
            **task.model_dump(include=set(TaskRow.model_fields)),
            "task_type": str(task.task_type),
            "phase": str(task.phase),
            "role": str(task.role),
        }
    )


class CaseRows(BaseModel):
    """Every row the store holds for one case, as the workflow last wrote them."""

    case: CaseRow
    tasks: dict[str, TaskRow] = Field(default_factory=dict)
    betrokkenen: dict[str, BetrokkeneRow] = Field(default_factory=dict)
    measures: dict[str, MeasureRows] = Field(default_factory=dict)
    parties: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, state: CaseState, previous: CaseRows | None = None) -> CaseRows:
        """The rows of ``state``. A row of ``previous`` whose every field equals the state's is
        taken over as it is instead of built again: a step changes one or two of a case's rows,
        and building them all (a model dump and a validation each) was most of a step's work."""
        tasks = previous.tasks if previous else {}
        betrokkenen = previous.betrokkenen if previous else {}
        measures = previous.measures if previous else {}
        return cls(
            case=case_row(state),
            tasks={
                task_id: _kept(tasks.get(task_id), task, _TASK_FIELDS) or task_row(task)
                for task_id, task in state.tasks.items()
            },
            betrokkenen={
                ref: _kept(betrokkenen.get(ref), b, _BETROKKENE_FIELDS) or betrokkene_row(b)
                for ref, b in state.betrokkenen.items()
            },
            measures={
                ref: _kept_measures(measures.get(ref), b) or measure_rows(ref, b)
                for ref, b in state.betrokkenen.items()
            },
            parties=sorted(state.linked_parties),
        )

    def everything(self) -> RowChanges:
        """Every row, measures of each betrokkene included (a store resync, CaseStep.resync)."""
        return RowChanges(
            case=self.case,
            tasks=list(self.tasks.values()),
            betrokkenen=list(self.betrokkenen.values()),
            measures=list(self.measures.values()),
            parties=list(self.parties),
        )

    def changes_since(self, written: CaseRows | None) -> RowChanges:
        """The rows that differ from ``written`` (all of them when nothing was written yet)."""
        if written is None:
            return RowChanges(
                case=self.case,
                tasks=list(self.tasks.values()),
                betrokkenen=list(self.betrokkenen.values()),
                measures=[m for m in self.measures.values() if m.measures],
                parties=list(self.parties),
            )
        return RowChanges(
            case=self.case if self.case != written.case else None,
            tasks=[r for k, r in self.tasks.items() if _differs(written.tasks.get(k), r)],
            betrokkenen=[
                r for k, r in self.betrokkenen.items() if _differs(written.betrokkenen.get(k), r)
            ],
            measures=[
                r
                for k, r in self.measures.items()
                if _differs(written.measures.get(k, MeasureRows(betrokkene_ref=k)), r)
            ],
            parties=[sub for sub in self.parties if sub not in written.parties],
        )


def betrokkene_row(b: BetrokkeneState) -> BetrokkeneRow:
    return BetrokkeneRow.model_validate(b.model_dump(include=set(BetrokkeneRow.model_fields)))


def measure_rows(ref: str, b: BetrokkeneState) -> MeasureRows:
    return MeasureRows(betrokkene_ref=ref, measures=list(b.maatregelen), decided_at=b.besluit_at)


Row = TypeVar("Row", bound=BaseModel)


def _kept(row: Row | None, source: BaseModel, fields: attrgetter[Any]) -> Row | None:
    """``row`` if each of its fields equals the source's (enums equal their values), else None."""
    return row if row is not None and fields(row) == fields(source) else None


def _kept_measures(row: MeasureRows | None, b: BetrokkeneState) -> MeasureRows | None:
    same = row is not None and row.measures == b.maatregelen and row.decided_at == b.besluit_at
    return row if same else None


def _differs(written: BaseModel | None, row: BaseModel) -> bool:
    return written is not row and written != row
