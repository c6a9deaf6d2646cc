"""The hash-chained audit timeline: each event seals its content and the hash before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from store.db import as_utc
from store.models import AuditEvent, Case

GENESIS_HASH = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def normalise_details(details: dict[str, Any]) -> dict[str, Any]:
    """Details as they come back from a JSON column, so write-time and read-time hashes agree."""
    normalised: dict[str, Any] = json.loads(json.dumps(details, default=_json_default))
    return normalised


def _utc_iso(moment: datetime) -> str:
    utc = as_utc(moment)
    assert utc is not None
    return utc.astimezone(UTC).isoformat()


def event_hash(
    *,
    case_id: str,
    seq: int,
    event_type: str,
    occurred_at: datetime | None,
    actor_sub: str | None,
    actor_name: str | None,
    actor_role: str | None,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        {
            "case_id": case_id,
            "seq": seq,
            "event_type": event_type,
            "occurred_at": _utc_iso(occurred_at) if occurred_at else None,
            "actor_sub": actor_sub,
            "actor_name": actor_name,
            "actor_role": actor_role,
            "details": normalise_details(details),
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def stored_event_hash(event: AuditEvent) -> str:
    """The hash an event row should carry, recomputed from its stored content."""
    return event_hash(
        case_id=event.case_id,
        seq=event.seq,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        actor_sub=event.actor_sub,
        actor_name=event.actor_name,
        actor_role=event.actor_role,
        details=event.details,
        prev_hash=event.prev_hash,
    )


class ChainVerification(BaseModel):
    case_id: str
    ok: bool
    events: int
    first_broken_seq: int | None = None
    reason: str


def _describe(event: AuditEvent) -> str:
    return f"event {event.seq} ({event.event_type})"


def _link_problem(previous: AuditEvent | None, event: AuditEvent) -> tuple[int, str] | None:
    """Checks that ``event`` follows ``previous``: the next number and the previous hash."""
    expected_seq = previous.seq + 1 if previous else 1
    if event.seq != expected_seq:
        after = f"from event {previous.seq} " if previous else "from the start "
        return expected_seq, (
            f"event {expected_seq} is missing: the timeline jumps {after}to event {event.seq}, "
            "so recorded events were deleted"
        )
    expected_prev = previous.hash if previous else GENESIS_HASH
    if event.prev_hash == expected_prev:
        return None
    if previous is not None and stored_event_hash(event) == event.hash:
        # Both rows are self-consistent, so one of them was rewritten with a recomputed hash.
        return previous.seq, (
            f"{_describe(event)} was sealed after a different version of {_describe(previous)}: "
            f"{_describe(previous)} was rewritten, or {_describe(event)} was re-linked"
        )
    return event.seq, (
        f"{_describe(event)} does not link to the event before it: "
        "its reference to the previous hash was changed"
    )


def _content_problem(event: AuditEvent) -> tuple[int, str] | None:
    if stored_event_hash(event) == event.hash:
        return None
    return event.seq, (
        f"{_describe(event)} was changed after it was recorded: its hash does not match its content"
    )


def verify_chain(session: Session, case_id: str) -> ChainVerification:
    """Walks a case's timeline and reports the first place where it was tampered with."""
    events = session.exec(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(col(AuditEvent.seq))
    ).all()
    case = session.get(Case, case_id)
    recorded = case.last_seq if case else 0

    def broken(problem: tuple[int, str]) -> ChainVerification:
        seq, reason = problem
        return ChainVerification(
            case_id=case_id, ok=False, events=len(events), first_broken_seq=seq, reason=reason
        )

    if not events:
        if recorded:
            return broken((1, f"all {recorded} recorded events of this case were deleted"))
        return ChainVerification(
            case_id=case_id, ok=False, events=0, reason="no events recorded for this case"
        )
    previous: AuditEvent | None = None
    for event in events:
        problem = _link_problem(previous, event) or _content_problem(event)
        if problem:
            return broken(problem)
        previous = event
    last = events[-1].seq
    if recorded > last:
        return broken(
            (
                last + 1,
                f"events {last + 1} to {recorded} were deleted: the case recorded {recorded}",
            )
        )
    return ChainVerification(
        case_id=case_id,
        ok=True,
        events=len(events),
        reason=f"all {len(events)} events are intact and linked",
    )
