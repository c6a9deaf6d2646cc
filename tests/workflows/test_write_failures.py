"""A write can never stall a case silently: bad data is flagged, later Updates are refused."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.record import StoreActivities
from domain.phases import TaskType
from domain.requests import CompleteTask, ReassignTask
from domain.roles import Role
from domain.rows import CaseRows
from domain.transition import AuditEventIn, CaseStep, StepEvent
from sg989.worker import workflow_runner
from store.models import ProjectionFailure
from store.steps import apply_step
from tests.workflows.driver import COID, CaseDriver
from workflows.case import CaseWorkflow
from workflows.stall_guard import StalledCaseGuard


def a_step(case_id: str = "ZK-T-1", seq: int = 1) -> CaseStep:
    from tests.store.store_helpers import make_case

    case = make_case(case_id)
    event = AuditEventIn(event_type="melding_geregistreerd", occurred_at=case.registered_at)
    return CaseStep(
        case_id=case_id,
        events=[StepEvent(seq=seq, event=event, phase="intake")],
        rows=CaseRows.of(case).changes_since(None),
    )


def test_an_integrity_error_counts_as_recorded_only_when_the_event_is_there(
    engine: Engine,
) -> None:
    store = StoreActivities(engine)
    step = a_step()
    assert store.record_step(step) is True

    def collide(_session: Session) -> bool:
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    attempts: list[int] = []

    def lose_a_race(session: Session) -> bool:
        """A concurrent attempt of this same step committed first."""
        attempts.append(1)
        if len(attempts) == 1:
            collide(session)
        return apply_step(session, step)

    # Written again, the step finds its own events, identical: already recorded, fine.
    assert store._write(step.case_id, 1, lose_a_race) is False
    assert len(attempts) == 2
    with pytest.raises(IntegrityError):
        store._write(step.case_id, 2, collide)  # event 2 is not there: fail loudly
    with pytest.raises(IntegrityError):
        store._write(step.case_id, 1, collide)  # still colliding once checked: fail loudly


def test_bad_data_fails_for_good_flags_the_case_and_alerts(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    store = StoreActivities(engine)

    def overflow(_session: Session) -> bool:
        raise OverflowError("date value out of range")

    with caplog.at_level(logging.ERROR), pytest.raises(ApplicationError) as failure:
        store._write("ZK-T-9", 7, overflow)
    assert failure.value.non_retryable
    assert "ZK-T-9" in failure.value.message and "operator" in failure.value.message
    with Session(engine) as session:
        flagged = session.exec(select(ProjectionFailure)).one()
    assert (flagged.case_id, flagged.seq) == ("ZK-T-9", 7)
    assert "OverflowError" in flagged.error


class RefusesReassignments(StoreActivities):
    """A store that cannot take one kind of step, as with a date beyond what it can hold."""

    @activity.defn(name="record_step")
    def record_step(self, step: CaseStep) -> bool:
        if any(e.event.event_type == "taak_overgedragen" for e in step.events):

            def overflow(_session: Session) -> bool:
                raise OverflowError("date value out of range")

            return self._write(step.case_id, step.first_seq, overflow)
        return super().record_step(step)


async def test_a_case_whose_write_fails_refuses_later_updates(
    time_env, engine: Engine, policy, task_queue: str
) -> None:
    store = RefusesReassignments(engine)
    async with Worker(
        time_env.client,
        task_queue=task_queue,
        workflows=[CaseWorkflow],
        activities=[store.record_step, store.record_transition],
        activity_executor=ThreadPoolExecutor(max_workers=2),
        workflow_runner=workflow_runner(),
        interceptors=[StalledCaseGuard()],
    ):
        case = await CaseDriver.start(time_env.client, policy, task_queue)
        task = await case.open_task(TaskType.ontvangstbevestiging)
        reassign = ReassignTask(
            actor=COID,
            task_id=task.task_id,
            assignee="ander-1",
            reason="r",
            assignee_roles=[Role.coid_adviseur],
            assignee_units=["CLAS"],
        )
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await case.handle.execute_update(CaseWorkflow.reassign_task, reassign)
        assert "stalled" in str(failed.value.cause)

        complete = CompleteTask(
            actor=COID,
            task_id=task.task_id,
            payload={"verzonden_op": "2026-11-30", "kanaal": "email"},
        )
        with pytest.raises((WorkflowUpdateFailedError, RPCError)) as refused:
            await case.handle.execute_update(
                CaseWorkflow.complete_task, complete, rpc_timeout=timedelta(seconds=20)
            )
        assert "no further changes are accepted" in str(
            getattr(refused.value, "cause", refused.value)
        )
    with Session(engine) as session:
        flagged = session.exec(
            select(ProjectionFailure).where(ProjectionFailure.case_id == case.case_id)
        ).one()
    assert "OverflowError" in flagged.error
