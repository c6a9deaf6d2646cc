"""Registering a melding: reserve a case number (idempotently), then start its workflow.

Every store step runs in the threadpool with its own short session, closed before Temporal is
awaited: a burst of registrations never holds the connections the projection activity needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import timedelta

import structlog
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError

from api.problems import Problem
from api.schemas import CaseCreated, MeldingIn
from domain.case import Actor, Melding
from domain.organisation import Organisation, UnknownUnit
from domain.policy import DeadlinePolicy
from domain.roles import Role, unit_in_scope
from sg989.cases import reserve_case_number, start_case
from sg989.organisation_file import load_organisation
from store.db import session_scope
from store.melding import forget_melding_text, save_melding_text
from store.models import Case, CaseRegistration
from workflows.case import CaseWorkflow

REGISTRARS = [Role.commandant, Role.coid_adviseur]
STORE_WAIT_SECONDS = 10.0
QUERY_TIMEOUT = timedelta(seconds=5)


IDEMPOTENCY_KEY_MAX = 200


def check_idempotency_key(key: str | None) -> None:
    """A key is 1-200 visible ASCII characters; anything else is a 400 saying so."""
    if key is None:
        return
    if not key.strip():
        raise Problem(400, "the Idempotency-Key header is empty; leave it out or send a key")
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise Problem(
            400, f"the Idempotency-Key is {len(key)} characters long; at most 200 are accepted"
        )
    if not all(33 <= ord(c) < 127 for c in key):
        raise Problem(400, "the Idempotency-Key may hold visible ASCII characters only")


def known_unit(melding: MeldingIn, organisation: Organisation) -> MeldingIn:
    """The melding with its unit spelled as the organisation does; 422 naming close matches."""
    try:
        unit = organisation.canonical(melding.unit)
    except UnknownUnit as exc:
        raise Problem(
            422,
            str(exc),
            errors=[{"field": "body.unit", "message": str(exc)}],
            close_matches=exc.close,
        ) from None
    return melding.model_copy(update={"unit": unit})


def request_fingerprint(melding: MeldingIn) -> str:
    canonical = json.dumps(melding.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _reserve(engine: Engine, *, user: Actor, key: str | None, fingerprint: str) -> tuple[str, bool]:
    try:
        return reserve_case_number(
            engine, requested_by=user.sub, idempotency_key=key, fingerprint=fingerprint
        )
    except IntegrityError:
        # Two requests with one new key at the same moment: the other one reserved it first.
        return reserve_case_number(
            engine, requested_by=user.sub, idempotency_key=key, fingerprint=fingerprint
        )


def _check_same_request(engine: Engine, key: str, fingerprint: str, requested_by: str) -> None:
    with Session(engine) as session:
        known = session.exec(
            select(CaseRegistration).where(
                CaseRegistration.idempotency_key == key,
                CaseRegistration.requested_by == requested_by,
            )
        ).one()
    if known.request_fingerprint and known.request_fingerprint != fingerprint:
        raise Problem(
            422,
            f"Idempotency-Key '{key}' was already used for a different melding ({known.case_id}); "
            "use a new key for a new melding",
            title="Idempotency-Key reused",
        )


def _forget(engine: Engine, case_id: str) -> None:
    """A melding whose workflow did not start leaves no reservation behind."""
    with session_scope(engine) as session:
        reg = session.exec(
            select(CaseRegistration).where(CaseRegistration.case_id == case_id)
        ).first()
        if reg is not None:
            session.delete(reg)
        forget_melding_text(session, case_id)


def _stored_up_to(engine: Engine, case_id: str) -> int:
    """The last workflow step the store shows for the case (0: not there yet)."""
    with Session(engine) as session:
        case = session.get(Case, case_id)
        return case.last_seq if case is not None else 0


async def _until_stored(engine: Engine, handle: WorkflowHandle) -> bool:
    """Wait until the store shows what the workflow decided on its first run (the case and its
    first tasks), so that a read right after registration finds them. False when it did not
    within STORE_WAIT_SECONDS."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STORE_WAIT_SECONDS
    try:
        state = await handle.query(CaseWorkflow.state, rpc_timeout=QUERY_TIMEOUT)
        decided = state.seq
    except (RPCError, WorkflowQueryFailedError):
        decided = 1  # not queryable yet (no worker): the case row is the most we can wait for
    while loop.time() < deadline:
        if await run_in_threadpool(_stored_up_to, engine, handle.id) >= max(decided, 1):
            return True
        await asyncio.sleep(0.05)
    return False


async def register_melding(
    engine: Engine,
    client: Client,
    *,
    user: Actor,
    melding: MeldingIn,
    idempotency_key: str | None,
    policy: DeadlinePolicy,
    task_queue: str,
    organisation: Organisation | None = None,
) -> CaseCreated:
    held = [r for r in REGISTRARS if r in user.roles]
    if not held:
        raise Problem(
            403,
            "registering a melding needs the role commandant or coid_adviseur",
            missing_roles=[r.value for r in REGISTRARS],
        )
    melding = known_unit(melding, organisation or load_organisation())
    if not unit_in_scope(melding.unit, user.units):
        raise Problem(
            403, f"unit {melding.unit} lies outside your units ({', '.join(user.units) or 'none'})"
        )
    check_idempotency_key(idempotency_key)
    fingerprint = request_fingerprint(melding)
    case_id, created = await run_in_threadpool(
        _reserve, engine, user=user, key=idempotency_key, fingerprint=fingerprint
    )
    if not created and idempotency_key:
        await run_in_threadpool(_check_same_request, engine, idempotency_key, fingerprint, user.sub)
    structlog.contextvars.bind_contextvars(case_id=case_id)
    actor = user.model_copy(update={"acting_role": held[0]})
    domain_melding = Melding(**melding.model_dump(mode="json"))
    # The melding's text goes to the store only; the workflow carries its facts.
    await asyncio.to_thread(save_melding_text, engine, case_id=case_id, melding=domain_melding)
    try:
        handle = await start_case(
            client,
            case_id=case_id,
            melding=domain_melding,
            actor=actor,
            policy=policy,
            task_queue=task_queue,
        )
    except Exception as exc:
        if created:
            await run_in_threadpool(_forget, engine, case_id)
        if isinstance(exc, RPCError):
            detail = f"the workflow engine (Temporal) cannot start the case: {exc.message}"
            raise Problem(503, detail) from None
        raise
    readable = await _until_stored(engine, handle)
    structlog.get_logger("api").info("melding_registered", created=created, readable=readable)
    return CaseCreated(case_id=case_id, created=created, readable=readable)
