"""Lead times per phase and deadline compliance of live cases (section 7, item 4).

Imported cases carry no phases or tasks, so only cases run by sg989 count here.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from domain.phases import Phase
from reports.facts import Facts, TaskFact
from reports.tables import Row, Table

LEADTIME_COLUMNS = ["afgerond", "mediaan (dagen)", "90e percentiel (dagen)", "nog in fase"]
COMPLIANCE_COLUMNS = ["taken", "op tijd (%)", "verlengd (%)", "geëscaleerd (%)"]


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (the 'inclusive' method)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def leadtime_table(facts: Facts, year: int) -> Table:
    """Per phase: visits that ended in `year`, their median and 90th-percentile duration."""
    durations: dict[str, list[float]] = defaultdict(list)
    still_open: dict[str, int] = defaultdict(int)
    for visit in facts.visits:
        if visit.entered_at is None or visit.phase == Phase.gesloten:
            continue
        if visit.left_at is None:
            still_open[visit.phase] += 1
        elif visit.left_at.year == year:
            days = (visit.left_at - visit.entered_at).total_seconds() / 86400
            durations[visit.phase].append(days)
    rows = []
    for phase in Phase:
        values = durations.get(phase.value, [])
        if not values and not still_open.get(phase.value):
            continue
        median = round(statistics.median(values), 1) if values else None
        p90 = round(percentile(values, 0.9), 1) if values else None
        rows.append(Row(phase.value, phase.value, [len(values), median, p90, still_open[phase]]))
    notes = [
        f"Levende zaken; een fasebezoek telt in het jaar waarin het eindigde ({year}). "
        "90e percentiel: lineaire interpolatie."
    ]
    return Table("doorlooptijden", "Doorlooptijd per fase", LEADTIME_COLUMNS, rows, notes)


def counted_tasks(facts: Facts, year: int, as_of: datetime) -> list[TaskFact]:
    """Tasks completed in `year`, and open tasks whose deadline in `year` has already passed."""
    out = []
    for task in facts.tasks:
        if task.due_at is None or task.status == "cancelled":
            continue
        if task.completed_at is not None:
            if task.completed_at.year == year:
                out.append(task)
        elif task.due_at.year == year and task.due_at < as_of:
            out.append(task)
    return out


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compliance_table(
    tasks: list[TaskFact], key: str, title: str, group: Callable[[TaskFact], str]
) -> Table:
    groups: dict[str, list[TaskFact]] = defaultdict(list)
    for task in tasks:
        groups[group(task)].append(task)
    rows = []
    for name in sorted(groups):
        members = groups[name]
        on_time = sum(
            1 for t in members if t.completed_at and t.due_at and t.completed_at <= t.due_at
        )
        extended = sum(1 for t in members if t.extensions > 0)
        escalated = sum(1 for t in members if t.escalation_level > 0)
        n = len(members)
        rows.append(
            Row(name, name, [n, _share(on_time, n), _share(extended, n), _share(escalated, n)])
        )
    notes = [
        "Taken die in het jaar zijn afgerond of waarvan de termijn in het jaar verstreek zonder "
        "afronding (die tellen als te laat). Op tijd: afgerond binnen de "
        "(eventueel verlengde) termijn."
    ]
    return Table(key, title, COMPLIANCE_COLUMNS, rows, notes)


def leadtime_tables(facts: Facts, year: int, as_of: datetime | None = None) -> list[Table]:
    tasks = counted_tasks(facts, year, as_of or datetime.now(UTC))
    return [
        leadtime_table(facts, year),
        compliance_table(tasks, "termijnen_fase", "Termijnen per fase", lambda t: t.phase),
        compliance_table(tasks, "termijnen_eenheid", "Termijnen per eenheid", lambda t: t.unit),
        compliance_table(tasks, "termijnen_rol", "Termijnen per rol", lambda t: t.role),
    ]
