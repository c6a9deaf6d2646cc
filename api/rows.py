"""Plain rows of the case list: the columns a page shows, read with a Core select.

Loading ORM objects (identity map, instrumented attributes) cost the case list more CPU than
its SQL; these tuples carry the same values under the same names, so the views built from them
(``api.reads.case_public``, ``api.redaction.viewing_role``) take either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from store.models import Betrokkene, Case, Task


class CaseRow(NamedTuple):
    case_id: str
    do: str
    unit: str
    category: str
    channel: str
    melder_type: str
    variant: str
    phase: str
    status: str
    outcome: str | None
    registered_at: datetime | None
    updated_at: datetime | None
    description: str
    category_toelichting: str | None
    close_reason: str | None
    klacht_referentie: str | None
    weging: str | None
    schending_vastgesteld: bool | None


class TaskRow(NamedTuple):
    task_id: str
    case_id: str
    task_type: str
    label: str
    role: str
    unit: str
    phase: str
    status: str
    betrokkene: str | None
    assignees: list[str]
    opened_at: datetime | None
    due_at: datetime | None
    basis: str
    extensions: int
    escalation_level: int
    claimed_by: str | None
    completed_by: str | None


class BetrokkeneRow(NamedTuple):
    id: int | None
    case_id: str
    ref: str
    in_onderzoek: bool
    schending: bool | None
    bezwaar: str | None
    geschorst: bool


def _columns(model: Any, row: type[tuple[Any, ...]]) -> list[Any]:
    """The table's own columns: the ORM's annotated ones cost a comparison per column each
    time a cached statement's result is matched to a new one."""
    return [model.__table__.c[name] for name in row._fields]  # type: ignore[attr-defined]


CASE_COLUMNS = _columns(Case, CaseRow)
TASK_COLUMNS = _columns(Task, TaskRow)
BETROKKENE_COLUMNS = _columns(Betrokkene, BetrokkeneRow)
