"""Print a case's audit timeline and the verdict of its hash chain."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.audit import verify_chain
from store.db import as_utc
from store.models import AuditEvent

SHOWN_DETAILS = ("task_type", "naar", "reden", "uitkomst", "geescaleerd_naar", "due_at", "op_tijd")


def _summary(event: AuditEvent) -> str:
    parts = [
        f"{key}={event.details[key]}" for key in SHOWN_DETAILS if event.details.get(key) is not None
    ]
    return ", ".join(parts)


def format_timeline(engine: Engine, case_id: str) -> str:
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)  # type: ignore[arg-type]
        ).all()
        chain = verify_chain(session, case_id)
    if not events:
        return f"No timeline for {case_id}: the store has no events of that case."
    lines = [
        f"Timeline of {case_id}",
        f"{'seq':>4}  {'when (UTC)':19}  {'event':24}  {'role':14}  details",
    ]
    for event in events:
        when = as_utc(event.occurred_at)
        stamp = when.strftime("%Y-%m-%d %H:%M:%S") if when else "?"
        role = event.actor_role or "systeem"
        lines.append(
            f"{event.seq:>4}  {stamp:19}  {event.event_type:24}  {role:14}  {_summary(event)}"
        )
    verdict = "intact" if chain.ok else f"BROKEN: {chain.reason}"
    lines.append(f"Hash chain over {chain.events} events: {verdict}")
    return "\n".join(lines)
