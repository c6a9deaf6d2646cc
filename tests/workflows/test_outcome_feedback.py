"""At closure the melder always hears the outcome (issue 7 item 6), on every closing path:
withdrawal before the beschikking, the BG stopping after a withdrawal, and the klacht track."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.phases import TaskType
from domain.requests import StartNazorg, WithdrawMelding
from store.models import OutboxNotification
from tests.workflows.driver import COID, COMMANDANT, CaseDriver
from tests.workflows.test_obligations import WITHDRAW, to_onderzoek
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow


async def assert_closes_after_the_outcome(case: CaseDriver, engine, outcome: str) -> None:  # type: ignore[no-untyped-def]
    """Only the outcome feedback is left; nothing else is accepted; it closes the case."""
    state = await case.state()
    assert state.status == "open" and state.closing is not None
    assert [(t.task_type, t.occurrence) for t in state.open_tasks()] == [
        (TaskType.terugkoppeling_melder, "uitkomst")
    ]
    before = await update_events(case)
    kind, message = await rejected(
        case, CaseWorkflow.start_nazorg, StartNazorg(actor=COMMANDANT, reason="Steun.")
    )
    assert kind == "conflict" and f"is closing ({outcome})" in message
    assert await update_events(case) == before

    await case.give_outcome(COMMANDANT)  # the BG may give it as well as the adviser
    await case.handle.result()
    final = await case.state()  # a closed case answers the query
    assert final.outcome == outcome and final.closing is None
    with Session(engine) as session:
        to_melder = session.exec(
            select(OutboxNotification).where(
                OutboxNotification.case_id == case.case_id,
                OutboxNotification.recipient_role == "melder",
                col(OutboxNotification.text).contains("terugkoppeling"),
            )
        ).all()
    assert len(to_melder) == 1, "the melder gets the outcome message, once"


async def test_withdrawal_before_the_beschikking_tells_the_melder(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue, store=engine)
    await case.intake()
    result = await case.handle.execute_update(CaseWorkflow.withdraw_melding, WITHDRAW)
    uitkomst = await case.open_task(TaskType.terugkoppeling_melder)
    assert result.status == "open" and result.task_id == uitkomst.task_id
    await assert_closes_after_the_outcome(case, engine, "ingetrokken")


async def test_the_bg_stopping_after_withdrawal_tells_the_melder(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue, store=engine)
    await to_onderzoek(case)
    await case.handle.execute_update(CaseWorkflow.withdraw_melding, WITHDRAW)
    stop = {"voortzetten": False, "motivering": "Zonder melder geen grond."}
    await case.complete(TaskType.besluit_na_intrekking, COMMANDANT, stop)
    await assert_closes_after_the_outcome(case, engine, "ingetrokken")
    await case.handle.result()
    final = await case.state()  # a closed case answers the query
    assert final.close_reason == stop["motivering"]


async def test_the_klacht_track_tells_the_melder(time_worker, policy, task_queue, engine) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue, store=engine)
    await case.intake()
    await case.choose("klacht", klacht_referentie="COG-2026-21")
    await assert_closes_after_the_outcome(case, engine, "doorverwezen_klacht")


async def test_an_unreachable_melder_does_not_hold_the_case_open(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(
        time_worker.client, policy, task_queue, melder_type="anoniem", melder_contact=None
    )
    await case.choose("klacht", klacht_referentie="COG-2026-22")
    await case.handle.result()
    final = await case.state()  # a closed case answers the query
    assert final.outcome == "doorverwezen_klacht" and not final.open_tasks()


async def test_a_second_withdrawal_while_closing_is_refused(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("klacht", klacht_referentie="COG-2026-23")
    before = await update_events(case)
    again = WithdrawMelding(actor=COID, reason="Ook nog ingetrokken.")
    kind, message = await rejected(case, CaseWorkflow.withdraw_melding, again)
    assert kind == "conflict" and "is closing (doorverwezen_klacht)" in message
    assert await update_events(case) == before
