"""What the store writes for a case: audit events, changed rows and notifications.

`CaseStep` is what one Update or one timer firing writes, in one activity and one transaction.
`Transition` is the older one-event form, still written for runs that started before it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.case import CaseState
from domain.rows import RowChanges


class Notification(BaseModel):
    """Carries no case content: only that there is something for the recipient in a case."""

    recipient_role: str
    recipient_unit: str
    recipient_sub: str | None = None
    kind: str
    text: str


class AuditEventIn(BaseModel):
    event_type: str
    occurred_at: datetime
    actor_sub: str | None = None
    actor_name: str | None = None
    actor_role: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Transition(BaseModel):
    """Written by ``record_transition``; idempotent on (case_id, seq)."""

    case_id: str
    seq: int
    event: AuditEventIn
    case: CaseState
    notifications: list[Notification] = Field(default_factory=list)


class StepEvent(BaseModel):
    """One audit event of a step, with the phase the case was in right after it."""

    seq: int
    event: AuditEventIn
    phase: str
    notifications: list[Notification] = Field(default_factory=list)


# The store's activities, named once for the workflow that calls them and the worker that runs them.
RECORD_STEP = "record_step"
RECORD_TRANSITION = "record_transition"
# The failure type of a write that retrying cannot fix: the case is stalled, an operator alerted.
WRITE_FAILED = "CaseWriteFailed"
# The failure type of a step built while replaying that the store had not recorded yet.
STEP_ROWS_UNKNOWN = "StepRowsUnknown"


class CaseStep(BaseModel):
    """Written by ``record_step``: idempotent on (case_id, first seq); never the whole case."""

    case_id: str
    events: list[StepEvent] = Field(min_length=1)
    rows: RowChanges = Field(default_factory=RowChanges)
    # ``rows`` holds every row of the case (not only the changed ones): the first step a worker
    # writes after loading the case from history, when the store may hold a phantom step's rows.
    resync: bool = False
    # False for a step built while replaying: no rows were worked out, since its write normally
    # has a result in the history already. One still in flight when the worker that started it
    # was lost has none and runs again; the store then refuses it (``STEP_ROWS_UNKNOWN``) unless
    # its events are recorded, and the case sends the events again with every row.
    rows_known: bool = True

    @property
    def first_seq(self) -> int:
        return self.events[0].seq

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq
