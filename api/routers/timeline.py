"""GET /cases/{id}/timeline and its hash-chain verification."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.access_log import record_access
from api.deps import ClientProvider, CurrentUser, EngineDep, SessionDep
from api.problems import Problem
from api.reads import visible_case
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


def verify(
    case_id: str, session: Session, user: Actor, workflow_seq: int | None = None
) -> ChainVerification:
    """Checks the hash chain of the case's audit events and says where it was tampered with;
    with ``workflow_seq``, also that the chain reaches as far as the case's workflow decided."""
    _, _, case_role = visible_case(session, user, case_id)
    role = _reader_role(user, case_role, CHAIN_VERIFIERS)
    result = verify_chain(session, case_id, workflow_seq=workflow_seq)
    record_access(session, case_id=case_id, user=user, role=role, action="verify")
    return result


def _may_verify(engine: Engine, user: Actor, case_id: str) -> None:
    with Session(engine) as session:
        _, _, case_role = visible_case(session, user, case_id)
        _reader_role(user, case_role, CHAIN_VERIFIERS)


def _verify_in_store(
    engine: Engine, user: Actor, case_id: str, workflow_seq: int | None
) -> ChainVerification:
    with Session(engine, expire_on_commit=False) as session:
        return verify(case_id, session, user, workflow_seq)


async def _workflow_seq(request: Request, case_id: str) -> int | None:
    """The number of events the case's workflow has decided; None when Temporal cannot say
    (unreachable, no worker, the workflow gone after retention): the store's seals still stand."""
    from sg989.cli_audit import workflow_seq

    provider: ClientProvider = request.app.state.client_provider
    try:
        client = await provider()
    except Exception:
        return None
    return await workflow_seq(client, case_id)


@router.get("/verify", name="verify")
async def verify_against_workflow(
    case_id: str, request: Request, engine: EngineDep, user: CurrentUser
) -> ChainVerification:
    """Checks the hash chain of the case's audit events and says where it was tampered with:
    every event's keyed seal, the signed head and checkpoints, and that the chain reaches the
    sequence the case's workflow itself has decided (a truncated timeline is caught even when
    an older signed head was put back). No store session is open while Temporal is asked."""
    await run_in_threadpool(_may_verify, engine, user, case_id)  # 404/403 before Temporal
    seq = await _workflow_seq(request, case_id)
    return await run_in_threadpool(_verify_in_store, engine, user, case_id, seq)
