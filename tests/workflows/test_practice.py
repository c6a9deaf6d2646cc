"""What cases need in practice (issue 7 items 5 and 10): early nazorg, new betrokkenen and
getuigen with reasons, related meldingen."""

from __future__ import annotations

from domain.phases import Phase, TaskType
from domain.requests import AddPerson, LinkMelding, StartNazorg
from tests.workflows.driver import COID, COMMANDANT, ONDERZOEKER, CaseDriver
from tests.workflows.test_obligations import to_onderzoek
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow

RAPPORT = {"document_ref": "DOC-1", "samenvatting": "Bevindingen."}


async def test_bg_opens_nazorg_any_time_after_the_weging(time_worker, policy, task_queue) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    early = StartNazorg(actor=COMMANDANT, reason="Melder heeft steun nodig.")
    kind, message = await rejected(case, CaseWorkflow.start_nazorg, early)
    assert kind == "conflict" and "once the weging is given" in message
    assert await update_events(case) == 2  # only the two intake steps
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "m"})
    result = await case.handle.execute_update(CaseWorkflow.start_nazorg, early)
    afspraak = await case.open_task(TaskType.nazorg_afspraak)
    assert result.task_id == afspraak.task_id and result.phase == Phase.instelling
    kind, message = await rejected(case, CaseWorkflow.start_nazorg, early)
    assert kind == "conflict" and "already opened" in message


async def test_a_betrokkene_added_during_the_onderzoek_gets_their_own_zienswijze_and_afdoening(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_onderzoek(case)
    add = AddPerson(actor=COMMANDANT, ref="BTR-2", as_role="betrokkene", reason="Uit verhoren.")
    await case.handle.execute_update(CaseWorkflow.add_person, add)
    await case.handle.execute_update(
        CaseWorkflow.add_person,
        AddPerson(actor=COMMANDANT, ref="GTG-1", as_role="getuige", reason="Was aanwezig."),
    )
    kind, message = await rejected(case, CaseWorkflow.add_person, add)
    assert kind == "conflict" and "already part of this case" in message
    await case.complete(TaskType.concept_rapport, ONDERZOEKER, RAPPORT)
    late = AddPerson(actor=COMMANDANT, ref="BTR-3", as_role="betrokkene", reason="Te laat.")
    before = await update_events(case)
    kind, message = await rejected(case, CaseWorkflow.add_person, late)
    assert kind == "conflict" and "hoor en wederhoor" in message
    assert await update_events(case) == before

    state = await case.state()
    assert state.getuigen == ["GTG-1"] and state.betrokkenen["BTR-2"].in_onderzoek
    for ref in ("BTR-1", "BTR-2"):
        await case.complete(TaskType.zienswijze_concept, ONDERZOEKER, {"ontvangen": False}, ref)
    await case.complete(TaskType.eindrapport, ONDERZOEKER, RAPPORT)
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": False, "BTR-2": False}, "motivering": "m"},
    )
    besluiten = [
        t.betrokkene
        for t in (await case.state()).open_tasks()
        if t.task_type == TaskType.besluit_afdoening
    ]
    assert sorted(besluiten) == ["BTR-1", "BTR-2"]


async def test_related_meldingen_are_linked_with_reasons(time_worker, policy, task_queue) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    link = LinkMelding(actor=COID, other_case_id="ZK-2026-0042", reason="Zelfde oefening.")
    await case.handle.execute_update(CaseWorkflow.link_melding, link)
    kind, _ = await rejected(case, CaseWorkflow.link_melding, link)
    assert kind == "conflict"
    itself = link.model_copy(update={"other_case_id": case.case_id})
    kind, message = await rejected(case, CaseWorkflow.link_melding, itself)
    assert kind == "invalid" and "itself" in message
    assert (await case.state()).related_cases == ["ZK-2026-0042"]


async def test_a_closed_case_reopens_with_reasons_and_keeps_its_timeline(
    time_worker, policy, task_queue, engine
) -> None:
    import pytest
    from sqlmodel import Session, select
    from temporalio.api.enums.v1 import EventType

    from domain.errors import CaseRuleViolation
    from domain.requests import ReopenCase
    from sg989.cases import reopen_case
    from store.models import AuditEvent
    from tests.workflows.driver import JURIST
    from tests.workflows.test_rejections import rejected, update_events

    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("klacht", klacht_referentie="COG-2026-3")
    await case.give_outcome()
    await case.handle.result()
    request = ReopenCase(
        actor=COMMANDANT, grond="nieuwe_feiten", reason="Nieuwe getuige meldt zich."
    )
    client = time_worker.client
    closed_run = (await case.handle.describe()).run_id
    closed_history = len((await case.handle.fetch_history()).events)
    for wrong, why in (
        (request.model_copy(update={"actor": JURIST}), "needs the role commandant"),
        (request.model_copy(update={"phase": Phase.nazorg}), "reopens into one of"),
    ):
        with pytest.raises(CaseRuleViolation, match=why):
            await reopen_case(client, case_id=case.case_id, request=wrong, task_queue=task_queue)
    latest = client.get_workflow_handle(case.case_id)  # no new run, nothing written
    assert (await latest.describe()).run_id == closed_run
    assert len((await latest.fetch_history()).events) == closed_history

    result = await reopen_case(client, case_id=case.case_id, request=request, task_queue=task_queue)
    assert (result.status, result.phase) == ("open", Phase.keuze_afhandeling)
    case.handle = client.get_workflow_handle(case.case_id)
    history = await case.handle.fetch_history()
    accepted = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert accepted == ["reopen"]  # the reopen is the new run's first Update, validated
    before = await update_events(case)
    kind, message = await rejected(case, CaseWorkflow.reopen, request)  # a second reopen
    assert kind == "conflict" and "still open" in message
    assert await update_events(case) == before
    await case.open_task(TaskType.keuze_afhandeling)
    state = await case.state()
    assert (state.status, state.phase, state.outcome) == ("open", Phase.keuze_afhandeling, None)
    with pytest.raises(CaseRuleViolation, match="is not closed"):
        await reopen_case(client, case_id=case.case_id, request=request, task_queue=task_queue)
    # An Update answers once the store has everything before it (read-your-writes).
    link = LinkMelding(actor=COID, other_case_id="ZK-2026-0007", reason="Zelfde feiten.")
    await case.handle.execute_update(CaseWorkflow.link_melding, link)
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent.seq, AuditEvent.event_type)
            .where(AuditEvent.case_id == case.case_id)
            .order_by(AuditEvent.seq)  # type: ignore[arg-type]
        ).all()
    kinds = [kind for _, kind in events]
    assert kinds[0] == "melding_geregistreerd"  # the old timeline stays
    assert kinds.index("zaak_gesloten") < kinds.index("zaak_heropend")
    assert [seq for seq, _ in events] == list(range(1, len(events) + 1))
