"""GET /notifications: the caller's own notifications. The beheerder also sees, and retries,
the notifications that reached nobody."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlmodel import Session, select

from api.deps import CurrentUser, SessionDep, require_roles
from store.models import NotificationDelivery, OutboxNotification
from store.notifications import notifications_for, retry_undeliverable, undeliverable, utc

router = APIRouter(prefix="/notifications", tags=["notifications"])
BEHEERDER = Depends(require_roles("beheerder"))


class NotificationPublic(BaseModel):
    case_id: str
    kind: str
    text: str
    status: str
    created_at: datetime | None
    sent_at: datetime | None
    read: bool  # read before this request


class Undeliverable(BaseModel):
    id: int
    case_id: str
    seq: int
    idx: int
    kind: str
    recipient: str
    status: str
    reason: str | None
    attempts: int
    last_error: str | None


def _text(session: Session, row: NotificationDelivery) -> str:
    outbox = session.exec(
        select(OutboxNotification).where(
            OutboxNotification.case_id == row.case_id,
            OutboxNotification.seq == row.seq,
            OutboxNotification.idx == row.idx,
        )
    ).first()
    return outbox.text if outbox else ""


@router.get("")
def my_notifications(
    session: SessionDep, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[NotificationPublic]:
    """Your newest notifications (at most ``limit``); listing them marks them read."""
    rows = notifications_for(session, user.sub, now=datetime.now(UTC), limit=limit)
    result = [
        NotificationPublic(
            case_id=r.case_id,
            kind=r.kind,
            text=_text(session, r),
            status=r.status,
            created_at=utc(r.created_at),
            sent_at=utc(r.sent_at),
            read=r.read_at is not None,
        )
        for r in rows
    ]
    session.commit()
    return result


@router.get("/undeliverable", dependencies=[BEHEERDER])
def problems(session: SessionDep) -> list[Undeliverable]:
    """Notifications that reached nobody, with the reason (nobody holds the role, no address,
    refused by the mail server, or failing for a while). Fix the directory, then retry."""
    return [Undeliverable.model_validate(r.model_dump()) for r in undeliverable(session)]


@router.post("/undeliverable/retry", dependencies=[BEHEERDER])
def retry(request: Request, session: SessionDep) -> dict[str, int]:
    """Resolve the undeliverable notifications again against the current directory."""
    sender: str = request.app.state.settings.smtp_from
    count = retry_undeliverable(
        session, now=datetime.now(UTC), domain=sender.rpartition("@")[2] or "sg989.local"
    )
    session.commit()
    return {"resolved_again": count}
