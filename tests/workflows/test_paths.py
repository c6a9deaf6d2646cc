"""Every path of the lifecycle (domain reference, section 2), driven through the real workflow."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from domain.phases import Phase, TaskType
from store.models import AuditEvent, Case, MeasureDecision
from tests.workflows.driver import (
    COID,
    COMMANDANT,
    HAC,
    JURIST,
    NAZORG,
    ONDERZOEKER,
    CaseDriver,
)
from workflows.case import CaseWorkflow

BESCHIKKING = {
    "besluit": "instellen",
    "onderzoeksopdracht": "Onderzoek naar de feiten rond de melding.",
    "onderzoekers": ["ond-1"],
    "termijn_weken": 12,
    "betrokkenen": ["BTR-1"],
}


async def drive_investigation(case: CaseDriver) -> None:
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "Concreet."})
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)
    await case.complete(TaskType.review_beschikking, JURIST, {"akkoord": True})
    rapport = {"document_ref": "DOC-1", "samenvatting": "Bevindingen."}
    await case.complete(TaskType.concept_rapport, ONDERZOEKER, rapport)
    await case.complete(
        TaskType.zienswijze_concept, ONDERZOEKER, {"ontvangen": True, "samenvatting": "x"}
    )
    await case.complete(TaskType.eindrapport, ONDERZOEKER, rapport)


async def drive_to_afdoening(case: CaseDriver, maatregelen: list[str]) -> None:
    """Investigation, schending established, voornemen, zienswijze and HAC advice."""
    await drive_investigation(case)
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": True}, "motivering": "Vastgesteld."},
    )
    await case.complete(TaskType.voornemen, JURIST, {"maatregelen": maatregelen, "motivering": "m"})
    await case.complete(TaskType.zienswijze_voornemen, JURIST, {"ontvangen": False})
    await case.complete(TaskType.hac_advies, HAC, {"advies": "De maatregel is evenredig."})


async def finish_afdoening(case: CaseDriver, maatregelen: list[str]) -> None:
    await case.complete(
        TaskType.besluit_afdoening,
        COMMANDANT,
        {"maatregelen": maatregelen, "motivering": "Besluit."},
    )
    await case.complete(
        TaskType.nazorg_afspraak,
        COMMANDANT,
        {"plan": "Gesprekken", "aanbieder": "bmw", "doelgroepen": ["melder", "team"]},
    )


async def finish_nazorg(case: CaseDriver) -> None:
    """Both nazorg check-ins, the feedback to the melder, then the outcome at closure."""
    for _ in range(2):
        await case.complete(TaskType.nazorg_checkin, NAZORG, {"verslag": "Goed gesprek."})
    for _ in range(2):
        await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Geïnformeerd."})


async def test_full_path_with_investigation_and_hac(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])
    termijn = await case.open_task(TaskType.bezwaartermijn)
    await time_worker.sleep(termijn.due_at - await time_worker.get_current_time())
    await time_worker.sleep(60)  # the bezwaartermijn ends without bezwaar
    for _ in range(2):
        await case.complete(TaskType.nazorg_checkin, NAZORG, {"verslag": "Goed gesprek."})
    await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Melder geïnformeerd."})
    # At closure the melder always hears the outcome.
    await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Uitkomst gemeld."})
    await case.handle.result()
    final = await case.state()  # a closed case answers the query

    assert final.status == "gesloten" and final.outcome == "afgedaan"
    assert final.betrokkenen["BTR-1"].maatregelen == ["ontslag"]
    assert final.betrokkenen["BTR-1"].bezwaar == "geen_bezwaar"
    with Session(engine) as session:
        row = session.get(Case, case.case_id)
        assert row is not None and row.phase == Phase.gesloten and row.schending_vastgesteld
        measures = session.exec(select(MeasureDecision.measure)).all()
        assert measures == ["ontslag"]
        events = session.exec(
            select(AuditEvent.event_type)
            .where(AuditEvent.case_id == case.case_id)
            .order_by(col(AuditEvent.seq))
        ).all()
        assert events[0] == "melding_geregistreerd" and events[-1] == "zaak_gesloten"


async def test_afdoen_in_de_lijn_skips_weging_and_investigation(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")
    state = await case.state()
    assert state.phase == Phase.afdoening
    assert not any(t.task_type == TaskType.weging for t in state.tasks.values())
    inbox = await case.handle.query(CaseWorkflow.open_tasks)
    assert [t.task_type for t in inbox] == [
        TaskType.besluit_afdoening,
        TaskType.terugkoppeling_melder,
    ]
    await finish_afdoening(case, ["in_de_lijn_afgedaan"])
    assert (await case.state()).phase == Phase.bezwaar


async def test_negative_weging_leads_to_afdoening_without_investigation(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(
        TaskType.weging, COID, {"advies": "lichtere_middelen", "motivering": "Gesprek volstaat."}
    )
    state = await case.state()
    assert state.phase == Phase.afdoening and state.weging == "lichtere_middelen"
    assert not any(t.task_type == TaskType.besluit_instelling for t in state.tasks.values())


async def test_klacht_route_closes_case_with_reference(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("klacht", klacht_referentie="COG-2026-17")
    await case.give_outcome()
    await case.handle.result()
    final = await case.state()  # a closed case answers the query
    assert final.outcome == "doorverwezen_klacht" and final.klacht_referentie == "COG-2026-17"
    assert final.close_reason == "Zie melding."
    with Session(engine) as session:
        row = session.get(Case, case.case_id)
        assert (
            row is not None and row.status == "gesloten" and row.klacht_referentie == "COG-2026-17"
        )


async def test_investigation_without_schending_ends_in_afdoening(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await drive_investigation(case)
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": False}, "motivering": "Niet bewezen."},
    )
    state = await case.state()
    assert state.phase == Phase.afdoening and state.betrokkenen["BTR-1"].schending is False
    assert state.onderzoek_started_at and state.onderzoek_ended_at


async def test_several_betrokkenen_each_get_their_own_measures(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(
        time_worker.client, policy, task_queue, betrokkenen=["BTR-1", "BTR-2"]
    )
    await case.intake()
    await case.choose("lijn")
    await case.complete(
        TaskType.besluit_afdoening,
        COMMANDANT,
        {"maatregelen": ["waarschuwingsbrief", "leerafspraak"], "motivering": "m"},
        betrokkene="BTR-1",
    )
    await case.complete(
        TaskType.besluit_afdoening,
        COMMANDANT,
        {"maatregelen": ["geen_maatregel"], "motivering": "m"},
        betrokkene="BTR-2",
    )
    state = await case.state()
    assert state.betrokkenen["BTR-1"].maatregelen == ["waarschuwingsbrief", "leerafspraak"]
    assert state.betrokkenen["BTR-2"].maatregelen == ["geen_maatregel"]
    with Session(engine) as session:
        rows = session.exec(select(MeasureDecision.betrokkene_ref, MeasureDecision.measure)).all()
    assert sorted(rows) == [
        ("BTR-1", "leerafspraak"),
        ("BTR-1", "waarschuwingsbrief"),
        ("BTR-2", "geen_maatregel"),
    ]


async def test_bezwaar_within_term_gets_a_beslissing(time_worker, policy, task_queue) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")
    await finish_afdoening(case, ["waarschuwingsbrief"])
    await case.complete(TaskType.bezwaartermijn, JURIST, {"ontvangen_op": "2026-12-01"})
    await case.complete(
        TaskType.beslissing_op_bezwaar,
        JURIST,
        {"uitkomst": "ongegrond", "motivering": "Besluit blijft."},
    )
    state = await case.state()
    assert state.betrokkenen["BTR-1"].bezwaar == "ongegrond" and state.phase == Phase.nazorg


async def test_withdrawal_before_the_beschikking_closes_the_case(
    time_worker, policy, task_queue
) -> None:
    from domain.requests import WithdrawMelding
    from workflows.case import CaseWorkflow

    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "Concreet."})
    await case.handle.execute_update(
        CaseWorkflow.withdraw_melding, WithdrawMelding(actor=COMMANDANT, reason="Melder trekt in.")
    )
    await case.give_outcome()
    await case.handle.result()
    final = await case.state()  # a closed case answers the query
    assert final.outcome == "ingetrokken" and final.close_reason == "Melder trekt in."
    assert not final.open_tasks()
    assert all(t.status in ("done", "cancelled") for t in final.tasks.values())


async def test_reassignment_moves_the_task_and_records_why(
    time_worker, policy, task_queue, engine
) -> None:
    from domain.requests import ReassignTask
    from domain.roles import Role
    from workflows.case import CaseWorkflow

    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await drive_investigation(case)
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": True}, "motivering": "m"},
    )
    task = await case.open_task(TaskType.voornemen)
    await case.handle.execute_update(
        CaseWorkflow.reassign_task,
        ReassignTask(
            actor=COMMANDANT,
            task_id=task.task_id,
            assignee="jurist-2",
            reason="Verlof.",
            assignee_roles=[Role.jurist],
            assignee_units=["CLAS"],
        ),
    )
    assert (await case.open_task(TaskType.voornemen)).assignees == ["jurist-2"]
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.event_type == "taak_overgedragen")
        ).one()
    assert event.details["reden"] == "Verlof." and event.actor_role == "commandant"


async def test_kmar_case_has_no_weging_and_juhra_reviews(time_worker, policy, task_queue) -> None:
    from domain.roles import Role
    from tests.workflows.driver import actor

    kmar_cdt = actor(Role.commandant, units=["KMar"])
    kmar_coid = actor(Role.kmar_integriteitsadviseur, units=["KMar"])
    juhra = actor(Role.jurist, units=["KMar"])
    case = await CaseDriver.start(
        time_worker.client, policy, task_queue, unit="KMar/BRIGADE-SCHIPHOL"
    )
    await case.complete(
        TaskType.ontvangstbevestiging, kmar_coid, {"verzonden_op": "2026-11-30", "kanaal": "post"}
    )
    await case.complete(TaskType.intake_contact, kmar_coid, {"samenvatting": "s"})
    await case.complete(
        TaskType.keuze_afhandeling, kmar_cdt, {"keuze": "onderzoek_overwogen", "motivering": "m"}
    )
    state = await case.state()
    assert state.variant == "kmar" and state.phase == Phase.instelling
    assert not any(t.task_type == TaskType.weging for t in state.tasks.values())
    await case.complete(TaskType.besluit_instelling, kmar_cdt, BESCHIKKING)
    review = await case.open_task(TaskType.review_beschikking)
    assert review.label.endswith("(JuHRA)")
    await case.complete(TaskType.review_beschikking, juhra, {"akkoord": True})
    concept = await case.open_task(TaskType.concept_rapport)
    assert concept.label.endswith("(Sectie Interne Onderzoeken)") and concept.assignees == ["ond-1"]


async def test_jurist_sends_beschikking_back_and_commandant_revises(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "Concreet."})
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)
    await case.complete(
        TaskType.review_beschikking, JURIST, {"akkoord": False, "opmerkingen": "Opdracht te ruim."}
    )
    first = next(
        t for t in (await case.state()).tasks.values() if t.task_type == TaskType.besluit_instelling
    )
    revised = await case.open_task(TaskType.besluit_instelling)
    assert revised.task_id != first.task_id  # a new task, back to the commandant
    assert (await case.state()).phase == Phase.instelling
    revision = {k: v for k, v in BESCHIKKING.items() if k != "termijn_weken"}  # default: 12 weeks
    await case.complete(TaskType.besluit_instelling, COMMANDANT, revision)
    await case.complete(TaskType.review_beschikking, JURIST, {"akkoord": True})
    concept = await case.open_task(TaskType.concept_rapport)
    assert concept.due_at == policy.due_from(TaskType.concept_rapport, concept.opened_at)
    assert timedelta(weeks=12) <= concept.due_at - concept.opened_at < timedelta(weeks=12, days=5)
