"""Starting a case: reserve a case number, then start its workflow (workflow id = case number)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from domain.case import Actor, Melding
from domain.errors import CaseRuleViolation, Rejection
from domain.policy import DeadlinePolicy
from domain.requests import ReopenCase, StartCase, UpdateResult
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
) -> UpdateResult:
    """Reopen a closed case with reasons: a new run of its workflow that carries on the state and
    the timeline of the closed one. Raises CaseRuleViolation saying why when it may not.

    The reopen is an Update sent with the new run's start (update-with-start), so its validator
    (``domain.rules.practice.check_reopen``) decides inside the case. The same rule runs here
    first, on the closed run's final state: a refused reopen starts no run and writes nothing.
    """
    handle = client.get_workflow_handle_for(CaseWorkflow.run, case_id)
    description = await handle.describe()
    if description.status != WorkflowExecutionStatus.COMPLETED:
        raise CaseRuleViolation(Rejection.conflict, f"case {case_id} is not closed")
    final = await handle.query(CaseWorkflow.state)  # a closed run answers queries
    check_reopen(final, request)
    start = StartCase(
        case_id=case_id,
        melding=final.melding,
        registered_by=final.registered_by,
        policy=final.policy,
        resume=final,
        reopen_by_update=True,
    )
    operation = WithStartWorkflowOperation(
        CaseWorkflow.run,
        start,
        id=case_id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        # Two reopens at once: the second meets the reopened run, whose validator refuses it.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    try:
        return await client.execute_update_with_start_workflow(
            CaseWorkflow.reopen, request, start_workflow_operation=operation
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type in {r.value for r in Rejection}:
            raise CaseRuleViolation(Rejection(cause.type), cause.message) from None
        raise
