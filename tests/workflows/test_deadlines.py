"""Deadlines on the time-skipping server: reminders, escalation, extension, expiry by law."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from domain.case import TaskState
from domain.phases import TaskType
from domain.requests import ExtendTask
from store.models import AuditEvent, OutboxNotification
from store.models import Task as TaskRow
from tests.workflows.driver import COMMANDANT, CaseDriver
from tests.workflows.test_paths import finish_afdoening
from workflows.case import CaseWorkflow

MINUTE = timedelta(minutes=1)


async def sleep_until(env: WorkflowEnvironment, moment) -> None:  # type: ignore[no-untyped-def]
    await env.sleep(moment - await env.get_current_time() + MINUTE)


async def keuze_task(env: WorkflowEnvironment, policy, task_queue) -> tuple[CaseDriver, TaskState]:  # type: ignore[no-untyped-def]
    case = await CaseDriver.start(env.client, policy, task_queue)
    await case.intake()
    return case, await case.open_task(TaskType.keuze_afhandeling)


def notifications(engine, case_id: str, kind: str) -> list[OutboxNotification]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        query = select(OutboxNotification).where(
            OutboxNotification.case_id == case_id, OutboxNotification.kind == kind
        )
        return list(session.exec(query).all())


async def test_reminder_then_escalation_then_second_escalation(
    time_worker, policy, task_queue, engine
) -> None:
    case, task = await keuze_task(time_worker, policy, task_queue)
    assert task.basis == "assumed"
    assert task.reminder_at == policy.reminder_at(task.opened_at, task.due_at)
    assert task.opened_at < task.reminder_at < task.due_at

    await sleep_until(time_worker, task.reminder_at)
    task = await case.open_task(TaskType.keuze_afhandeling)
    assert task.reminded and task.escalation_level == 0
    assert [n.recipient_role for n in notifications(engine, case.case_id, "herinnering")] == [
        "commandant"
    ]

    await sleep_until(time_worker, task.due_at)
    task = await case.open_task(TaskType.keuze_afhandeling)
    assert task.escalation_level == 1 and task.is_open  # overdue stays open, never fails the case
    assert [n.recipient_role for n in notifications(engine, case.case_id, "escalatie")] == [
        "hogere_commandant"
    ]

    await sleep_until(time_worker, policy.second_escalation_at(task.due_at))
    task = await case.open_task(TaskType.keuze_afhandeling)
    assert task.escalation_level == 2
    escalated_to = [n.recipient_role for n in notifications(engine, case.case_id, "escalatie")]
    assert escalated_to == ["hogere_commandant", "do_commandant"]
    with Session(engine) as session:
        row = session.get(TaskRow, task.task_id)
        assert row is not None and row.escalation_level == 2 and row.status == "open"
    await case.choose("lijn")  # the late decision is still accepted
    assert (await case.state()).status == "open"


async def test_extension_moves_the_timer(time_worker, policy, task_queue, engine) -> None:
    case, task = await keuze_task(time_worker, policy, task_queue)
    new_due = task.due_at + timedelta(days=14)
    await case.handle.execute_update(
        CaseWorkflow.extend_task,
        ExtendTask(
            actor=COMMANDANT,
            task_id=task.task_id,
            new_due_at=new_due,
            reason="Meer informatie nodig.",
        ),
    )
    await sleep_until(time_worker, task.due_at)  # the old deadline passes quietly
    moved = await case.open_task(TaskType.keuze_afhandeling)
    assert moved.due_at == new_due and moved.extensions == 1 and moved.escalation_level == 0

    await sleep_until(time_worker, new_due)
    assert (await case.open_task(TaskType.keuze_afhandeling)).escalation_level == 1
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent.event_type).where(AuditEvent.case_id == case.case_id)
        ).all()
    assert "termijn_verlengd" in events
    assert events.index("termijn_verlengd") < events.index("escalatie")


async def test_bezwaartermijn_of_six_weeks_simply_ends(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")
    await finish_afdoening(case, ["waarschuwingsbrief"])
    termijn = await case.open_task(TaskType.bezwaartermijn)
    assert termijn.basis == "Awb 6:7"
    besluit_at = (await case.state()).betrokkenen["BTR-1"].besluit_at
    assert besluit_at is not None
    assert termijn.due_at == policy.due_from(TaskType.bezwaartermijn, besluit_at)
    assert timedelta(weeks=6) <= termijn.due_at - besluit_at < timedelta(weeks=6, days=5)

    await sleep_until(time_worker, termijn.due_at)
    state = await case.state()
    assert state.tasks[termijn.task_id].status == "expired"
    assert state.betrokkenen["BTR-1"].bezwaar == "geen_bezwaar"
    with Session(engine) as session:  # nobody is chased for it (the check-ins run meanwhile)
        escalated = session.exec(
            select(AuditEvent).where(
                AuditEvent.case_id == case.case_id, AuditEvent.event_type == "escalatie"
            )
        ).all()
    assert termijn.task_id not in [e.details["task_id"] for e in escalated]
    rejected = await case.handle.query(CaseWorkflow.state)
    assert rejected.phase.value == "nazorg"


async def test_unextendable_term_cannot_be_extended(time_worker, policy, task_queue) -> None:
    import pytest
    from temporalio.client import WorkflowUpdateFailedError

    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    task = await case.open_task(TaskType.ontvangstbevestiging)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await case.handle.execute_update(
            CaseWorkflow.extend_task,
            ExtendTask(
                actor=COMMANDANT,
                task_id=task.task_id,
                new_due_at=task.due_at + timedelta(days=3),
                reason="r",
            ),
        )
    assert info.value.cause.type == "conflict"  # type: ignore[union-attr]
    assert "cannot be extended" in str(info.value.cause)
