"""Obligations outlive the case's other paths (issue 7 item 2; domain reference section 2)."""

from __future__ import annotations

from domain.phases import Phase, TaskType
from domain.requests import CompleteTask, RecordSchorsing, WithdrawMelding
from tests.workflows.driver import COID, COMMANDANT, JURIST, CaseDriver
from tests.workflows.test_paths import BESCHIKKING, finish_afdoening, finish_nazorg
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow

WITHDRAW = WithdrawMelding(actor=COID, reason="De melder trekt de melding in.")


async def to_onderzoek(case: CaseDriver) -> None:
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "Concreet."})
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)
    await case.complete(TaskType.review_beschikking, JURIST, {"akkoord": True})


async def schors(case: CaseDriver) -> None:
    await case.handle.execute_update(
        CaseWorkflow.record_schorsing,
        RecordSchorsing(actor=COMMANDANT, betrokkene="BTR-1", reason="Ernst van het vermoeden."),
    )


async def test_withdrawal_after_the_beschikking_goes_to_the_bg(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_onderzoek(case)
    result = await case.handle.execute_update(CaseWorkflow.withdraw_melding, WITHDRAW)
    assert result.status == "open" and result.phase == Phase.onderzoek
    besluit = await case.open_task(TaskType.besluit_na_intrekking)
    assert result.task_id == besluit.task_id and besluit.role == "commandant"
    kind, message = await rejected(case, CaseWorkflow.withdraw_melding, WITHDRAW)
    assert kind == "conflict" and "already withdrawn" in message

    await case.complete(
        TaskType.besluit_na_intrekking,
        COMMANDANT,
        {"voortzetten": True, "motivering": "Het vermoeden is ernstig; onderzoek gaat door."},
    )
    state = await case.state()
    assert state.status == "open" and state.withdrawn_at is not None
    await case.open_task(TaskType.concept_rapport)  # the investigation goes on


async def test_bg_may_stop_after_withdrawal_unless_a_betrokkene_is_geschorst(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_onderzoek(case)
    await schors(case)
    await case.handle.execute_update(CaseWorkflow.withdraw_melding, WITHDRAW)
    task = await case.open_task(TaskType.besluit_na_intrekking)
    stop = {"voortzetten": False, "motivering": "Zonder melder geen grond."}
    before = await update_events(case)
    kind, message = await rejected(
        case,
        CaseWorkflow.complete_task,
        CompleteTask(actor=COMMANDANT, task_id=task.task_id, payload=stop),
    )
    assert kind == "conflict" and "BTR-1 is geschorst" in message
    assert await update_events(case) == before

    await case.complete(
        TaskType.schorsing_review, COMMANDANT, {"besluit": "opheffen", "motivering": "m"}
    )
    await case.complete(TaskType.besluit_na_intrekking, COMMANDANT, stop)
    await case.give_outcome()
    await case.handle.result()
    final = await case.state()  # a closed case answers the query
    assert final.outcome == "ingetrokken" and final.close_reason == stop["motivering"]


async def test_withdrawal_never_cancels_a_pending_beslissing_op_bezwaar(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")
    await finish_afdoening(case, ["waarschuwingsbrief"])
    await case.complete(TaskType.bezwaartermijn, JURIST, {"ontvangen_op": "2026-12-01"})
    result = await case.handle.execute_update(CaseWorkflow.withdraw_melding, WITHDRAW)
    assert result.status == "open" and result.task_id is None
    beslissing = await case.open_task(TaskType.beslissing_op_bezwaar, "BTR-1")
    assert beslissing.is_open


async def test_no_withdrawal_or_klacht_closes_a_case_while_geschorst(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await schors(case)
    before = await update_events(case)
    kind, message = await rejected(case, CaseWorkflow.withdraw_melding, WITHDRAW)
    assert kind == "conflict"
    assert "would close the case, but BTR-1 is geschorst: lift or decide the schorsing" in message
    keuze = await case.open_task(TaskType.keuze_afhandeling)
    kind, message = await rejected(
        case,
        CaseWorkflow.complete_task,
        CompleteTask(
            actor=COMMANDANT,
            task_id=keuze.task_id,
            payload={"keuze": "klacht", "motivering": "m", "klacht_referentie": "COG-1"},
        ),
    )
    assert kind == "conflict" and "BTR-1 is geschorst" in message
    assert await update_events(case) == before


async def test_case_waits_to_close_while_geschorst_and_the_review_keeps_running(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")
    await schors(case)
    await finish_afdoening(case, ["geen_maatregel"])  # no bezwaartermijn: straight to nazorg
    await finish_nazorg(case)
    state = await case.state()
    assert state.status == "open"  # everything done, but BTR-1 is still geschorst
    await case.complete(
        TaskType.schorsing_review, COMMANDANT, {"besluit": "handhaven", "motivering": "m"}
    )
    assert (await case.state()).status == "open"  # a new review term, never open-ended
    await case.complete(
        TaskType.schorsing_review, COMMANDANT, {"besluit": "opheffen", "motivering": "m"}
    )
    await case.handle.result()
    final = await case.state()  # a closed case answers the query
    assert final.outcome == "afgedaan" and not final.betrokkenen["BTR-1"].geschorst
