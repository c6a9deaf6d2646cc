"""One timer per case (patch one-deadline-timer): it waits for the nearest reminder, deadline or
escalation of all open tasks, and each of them still comes at its own moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from domain.phases import TaskType
from store.models import AuditEvent
from tests.workflows.driver import COID, CaseDriver
from tests.workflows.test_deadlines import sleep_until


async def on_a_sunday(env) -> None:  # type: ignore[no-untyped-def]
    """Moves the time-skipping clock to the coming Sunday noon. Opened on a Monday, the
    ontvangstbevestiging (7 days) and intake contact (5 working days) end, and remind, at the
    same moment; these tests need two moments, whatever day they run on."""
    now = await env.get_current_time()
    sunday = (now + timedelta(days=(6 - now.weekday()) % 7)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    if sunday <= now:
        sunday += timedelta(days=7)
    await env.sleep(sunday - now)


def timer_events(history: WorkflowHistory) -> list[HistoryEvent]:
    kinds = (
        "timer_started_event_attributes",
        "timer_fired_event_attributes",
        "timer_canceled_event_attributes",
    )
    return [e for e in history.events if any(e.HasField(kind) for kind in kinds)]


def most_timers_running(history: WorkflowHistory) -> int:
    running = most = 0
    for event in timer_events(history):
        running += 1 if event.HasField("timer_started_event_attributes") else -1
        most = max(most, running)
    return most


def reminders(engine, case_id: str) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
    """Task id -> when its reminder was recorded (the store's times are UTC)."""
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, AuditEvent.event_type == "herinnering"
            )
        ).all()
    return {
        row.details["task_id"]: row.occurred_at.replace(tzinfo=UTC)
        for row in rows
        if row.occurred_at
    }


async def test_open_tasks_share_one_timer_and_each_reminder_comes_at_its_own_moment(
    time_worker, policy, task_queue, engine
) -> None:
    await on_a_sunday(time_worker)
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    bevestiging = await case.open_task(TaskType.ontvangstbevestiging)
    contact = await case.open_task(TaskType.intake_contact)
    first, second = sorted((bevestiging, contact), key=lambda t: t.reminder_at)
    assert first.reminder_at < second.reminder_at  # two clocks, two moments

    await sleep_until(time_worker, first.reminder_at)
    reminded = reminders(engine, case.case_id)
    assert list(reminded) == [first.task_id]
    assert first.reminder_at <= reminded[first.task_id] < first.reminder_at + timedelta(minutes=1)

    await sleep_until(time_worker, second.reminder_at)
    reminded = reminders(engine, case.case_id)
    assert set(reminded) == {first.task_id, second.task_id}
    assert (
        second.reminder_at <= reminded[second.task_id] < second.reminder_at + timedelta(minutes=1)
    )
    assert most_timers_running(await case.handle.fetch_history()) == 1


async def test_completing_a_task_that_is_not_the_nearest_leaves_the_timer_alone(
    time_worker, policy, task_queue
) -> None:
    await on_a_sunday(time_worker)
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    tasks = [
        await case.open_task(TaskType.ontvangstbevestiging),
        await case.open_task(TaskType.intake_contact),
    ]
    later = max(tasks, key=lambda t: t.reminder_at)
    before = timer_events(await case.handle.fetch_history())

    payloads = {
        TaskType.ontvangstbevestiging: {"verzonden_op": "2026-11-30", "kanaal": "email"},
        TaskType.intake_contact: {"samenvatting": "Melder gesproken."},
    }
    await case.complete(later.task_type, COID, payloads[later.task_type])

    after = timer_events(await case.handle.fetch_history())
    assert len(before) == 1 and after == before  # no timer cancelled, none started
    assert (await case.state()).tasks[later.task_id].status == "done"
