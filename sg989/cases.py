"""Starting a case: reserve a case number, then start its workflow (workflow id = case number)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.case import Actor, CaseState, Melding, ReopenCase, StartCase
from domain.errors import CaseRuleViolation, Rejection
from domain.policy import DeadlinePolicy
from domain.rules.practice import check_reopen
from store.db import session_scope
from store.models import CaseRegistration
from workflows.case import CaseWorkflow


def reserve_case_number(
    engine: Engine,
    *,
    requested_by: str,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
) -> tuple[str, bool]:
    """Return (case_id, created). A key this requester used before returns its earlier case
    number; keys are scoped per requester, so two people's keys never collide."""
    with session_scope(engine) as session:
        if idempotency_key:
            known = session.exec(
                select(CaseRegistration).where(
                    CaseRegistration.idempotency_key == idempotency_key,
                    CaseRegistration.requested_by == requested_by,
                )
            ).first()
            if known is not None:
                return known.case_id, False
        now = datetime.now(UTC)
        reg = CaseRegistration(
            case_id=f"pending-{now.timestamp()}-{idempotency_key or ''}",
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
            requested_by=requested_by,
            created_at=now,
        )
        session.add(reg)
        session.flush()
        reg.case_id = f"ZK-{now.year}-{reg.id:05d}"
        session.add(reg)
        return reg.case_id, True


async def start_case(
    client: Client,
    *,
    case_id: str,
    melding: Melding,
    actor: Actor,
    policy: DeadlinePolicy,
    task_queue: str,
) -> WorkflowHandle:
    """Start the case workflow; starting the same case number twice returns the running one.

    Only the melding's facts enter Temporal; its text is written by `store.melding` first."""
    start = StartCase(case_id=case_id, melding=melding.facts(), registered_by=actor, policy=policy)
    try:
        return await client.start_workflow(
            CaseWorkflow.run,
            start,
            id=case_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return client.get_workflow_handle(case_id)


async def reopen_case(
    client: Client, *, case_id: str, request: ReopenCase, task_queue: str
) -> WorkflowHandle:
    """Reopen a closed case with reasons: a new run of its workflow that carries on the state and
    the timeline of the closed one. Raises CaseRuleViolation saying why when it may not."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, case_id)
    description = await handle.describe()
    if description.status != WorkflowExecutionStatus.COMPLETED:
        raise CaseRuleViolation(Rejection.conflict, f"case {case_id} is not closed")
    final: CaseState = await handle.result()
    check_reopen(final, request)
    start = StartCase(
        case_id=case_id,
        melding=final.melding,
        registered_by=final.registered_by,
        policy=final.policy,
        resume=final,
        reopen=request,
    )
    reopened = await client.start_workflow(
        CaseWorkflow.run,
        start,
        id=case_id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    await reopened.execute_update(CaseWorkflow.settle)
    return reopened
