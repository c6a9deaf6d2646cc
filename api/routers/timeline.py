"""GET /cases/{id}/timeline and its hash-chain verification."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from api.deps import CurrentUser, SessionDep
from api.problems import Problem
from api.reads import record_access, visible_case
from api.redaction import (
    CHAIN_VERIFIERS,
    TIMELINE_READERS,
    is_case_adviser,
    may_see,
    redact_event_details,
)
from api.schemas import Timeline, TimelineEventPublic
from domain.case import Actor
from domain.roles import Role
from store.audit import ChainVerification, verify_chain
from store.db import as_utc
from store.models import AuditEvent

router = APIRouter(prefix="/cases/{case_id}/timeline", tags=["timeline"])


def _reader_role(user: Actor, role: Role, allowed: frozenset[Role]) -> Role:
    """The role the user reads the timeline as: the case's viewing role or another they hold."""
    if role in allowed:
        return role
    for held in user.roles:
        if held in allowed:
            return held
    wanted = " or ".join(sorted(r.value for r in allowed))
    raise Problem(
        403, f"the timeline needs the role {wanted}", missing_roles=sorted(r.value for r in allowed)
    )


@router.get("")
def timeline(case_id: str, session: SessionDep, user: CurrentUser) -> Timeline:
    """The audit events of the case; auditors see them without names or free text."""
    _, tasks, case_role = visible_case(session, user, case_id)
    role = _reader_role(user, case_role, TIMELINE_READERS)
    names = may_see(role, "actor_identity")
    case_adviser = is_case_adviser(user, tasks)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(col(AuditEvent.seq))
    ).all()
    shown = [
        TimelineEventPublic(
            seq=e.seq,
            event_type=e.event_type,
            occurred_at=as_utc(e.occurred_at),
            actor_role=e.actor_role,
            actor_sub=e.actor_sub if names else None,
            actor_name=e.actor_name if names else None,
            details=redact_event_details(role, e.event_type, e.details, case_adviser=case_adviser),
            hash=e.hash,
            prev_hash=e.prev_hash,
        )
        for e in events
    ]
    record_access(session, case_id=case_id, user=user, role=role, action="timeline")
    return Timeline(case_id=case_id, visible_as=role, events=shown)


@router.get("/verify")
def verify(case_id: str, session: SessionDep, user: CurrentUser) -> ChainVerification:
    """Checks the hash chain of the case's audit events and says where it was tampered with."""
    _, _, case_role = visible_case(session, user, case_id)
    role = _reader_role(user, case_role, CHAIN_VERIFIERS)
    result = verify_chain(session, case_id)
    record_access(session, case_id=case_id, user=user, role=role, action="verify")
    return result
