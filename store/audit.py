"""The sealed audit timeline: each event's keyed seal, each case's signed head and checkpoints,
and the verification that finds an edited, recomputed or truncated chain (the hashes
themselves: store/audit_hash.py)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from store.audit_hash import GENESIS_HASH, stored_event_hash
from store.audit_key import audit_key, same, seal
from store.models import AuditCheckpoint, AuditEvent, AuditHead, Case

# A signed checkpoint every this many events: a truncated chain cannot hide behind one.
CHECKPOINT_EVERY = 10


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


def event_mac(key: bytes, event: AuditEvent) -> str:
    """The keyed seal of one event: its hash covers its content and the chain before it."""
    return sealed_event(key, event.case_id, event.seq, event.hash)


def sealed_event(key: bytes, case_id: str, seq: int, event_hash_: str) -> str:
    return seal(key, "event", case_id, seq, event_hash_)


def head_mac(key: bytes, case_id: str, seq: int, event_hash_: str) -> str:
    return seal(key, "head", case_id, seq, event_hash_)


def checkpoint_mac(key: bytes, case_id: str, seq: int, event_hash_: str) -> str:
    return seal(key, "checkpoint", case_id, seq, event_hash_)


def seal_events(session: Session, events: list[AuditEvent], *, key: bytes | None = None) -> None:
    """Seals freshly appended events (in order) and moves the case's signed head past them."""
    if not events:
        return
    key = key or audit_key()
    for event in events:
        event.mac = event_mac(key, event)
        session.add(event)
        if event.seq % CHECKPOINT_EVERY == 0:
            session.add(
                AuditCheckpoint(
                    case_id=event.case_id,
                    seq=event.seq,
                    hash=event.hash,
                    mac=checkpoint_mac(key, event.case_id, event.seq, event.hash),
                    created_at=event.occurred_at,
                )
            )
    last = events[-1]
    head = session.get(AuditHead, last.case_id) or AuditHead(case_id=last.case_id)
    head.seq = last.seq
    head.hash = last.hash
    head.mac = head_mac(key, last.case_id, last.seq, last.hash)
    session.add(head)


def verify_chain(
    session: Session,
    case_id: str,
    *,
    key: bytes | None = None,
    workflow_seq: int | None = None,
) -> ChainVerification:
    """Walks a case's timeline and reports the first place where it was tampered with.

    Beyond the hash chain: every event's keyed seal, the signed head and checkpoints, and
    (when known) the number of events the case's workflow itself has decided."""
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
    problem = _sealing_problem(session, case_id, list(events), key or audit_key())
    if problem is None and workflow_seq is not None and workflow_seq > last:
        problem = (
            last + 1,
            f"the case's workflow has recorded {workflow_seq} events but the timeline ends at "
            f"event {last}: events were deleted (or a write is still in flight: check again)",
        )
    if problem:
        return broken(problem)
    return ChainVerification(
        case_id=case_id,
        ok=True,
        events=len(events),
        reason=f"all {len(events)} events are intact, linked and sealed",
    )


def _sealing_problem(
    session: Session, case_id: str, events: list[AuditEvent], key: bytes
) -> tuple[int, str] | None:
    """The keyed checks: what someone holding the database but not the key cannot forge."""
    for event in events:
        if not same(event.mac, event_mac(key, event)):
            return event.seq, (
                f"{_describe(event)} does not carry a valid seal: it was written or rewritten "
                "without the audit key"
            )
    last = events[-1]
    by_seq = {e.seq: e for e in events}
    checkpoints = session.exec(
        select(AuditCheckpoint).where(AuditCheckpoint.case_id == case_id)
    ).all()
    for point in sorted(checkpoints, key=lambda p: p.seq):
        if not same(point.mac, checkpoint_mac(key, case_id, point.seq, point.hash)):
            return point.seq, f"the signed checkpoint at event {point.seq} was altered"
        if point.seq > last.seq:
            return last.seq + 1, (
                f"a signed checkpoint vouches for event {point.seq}, but the timeline ends at "
                f"event {last.seq}: the latest events were deleted"
            )
        if by_seq[point.seq].hash != point.hash:
            return point.seq, (
                f"event {point.seq} differs from the signed checkpoint taken when it was "
                "recorded: the chain was recomputed"
            )
    expected_points = last.seq // CHECKPOINT_EVERY
    if len(checkpoints) < expected_points:
        return last.seq, "signed checkpoints of this case were deleted"
    head = session.get(AuditHead, case_id)
    if head is None:
        return last.seq, "the signed head of this timeline is missing"
    if not same(head.mac, head_mac(key, case_id, head.seq, head.hash)):
        return last.seq, "the signed head of this timeline was altered"
    if head.seq > last.seq:
        return last.seq + 1, (
            f"events {last.seq + 1} to {head.seq} were deleted: the signed head "
            f"vouches for event {head.seq}"
        )
    if head.seq < last.seq or head.hash != last.hash:
        return head.seq, (
            f"the timeline does not end where its signed head says (event {head.seq}): "
            "it was rewritten or events were appended without the audit key"
        )
    return None
