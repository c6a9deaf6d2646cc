"""What one transition writes: read model, audit event and notifications, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.case import CaseState


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
