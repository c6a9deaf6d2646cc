"""The hash chain of the audit timeline: an event's canonical form, and its hash over its
content and the hash before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from store.db import as_utc
from store.models import AuditEvent

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
    """SHA-256 of the event's canonical JSON (sorted keys, compact, UTF-8), prev_hash included."""
    return chained_hash(
        canonical_around_prev(
            case_id=case_id,
            seq=seq,
            event_type=event_type,
            occurred_at=occurred_at,
            actor_sub=actor_sub,
            actor_name=actor_name,
            actor_role=actor_role,
            details=normalise_details(details),
        ),
        prev_hash,
    )


def canonical_around_prev(
    *,
    case_id: str,
    seq: int,
    event_type: str,
    occurred_at: datetime | None,
    actor_sub: str | None,
    actor_name: str | None,
    actor_role: str | None,
    details: dict[str, Any],
) -> tuple[str, str]:
    """An event's canonical JSON before and after its prev_hash value, for ``chained_hash``.

    ``details`` must be normalised (``normalise_details``). With sorted keys every other key
    comes before "prev_hash" and "seq" after it, so the content is serialised once, before the
    hash it links to is known (outside the store's write lock)."""
    content = json.dumps(
        {
            "case_id": case_id,
            "event_type": event_type,
            "occurred_at": _utc_iso(occurred_at) if occurred_at else None,
            "actor_sub": actor_sub,
            "actor_name": actor_name,
            "actor_role": actor_role,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return content[:-1] + ',"prev_hash":', f',"seq":{json.dumps(seq)}}}'


def chained_hash(around: tuple[str, str], prev_hash: str) -> str:
    before, after = around
    canonical = before + json.dumps(prev_hash, ensure_ascii=False) + after
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
