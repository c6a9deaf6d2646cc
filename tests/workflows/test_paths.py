"""Every path of the lifecycle (domain reference, section 2), driven through the real workflow."""

from __future__ import annotations

from sqlmodel import Session, select

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
    await case.complete(TaskType.zienswijze_concept, ONDERZOEKER, {"ontvangen": True, "samenvatting": "x"})
    await case.complete(TaskType.eindrapport, ONDERZOEKER, rapport)


async def finish_afdoening(case: CaseDriver, maatregelen: list[str]) -> None:
    await case.complete(
        TaskType.besluit_afdoening, COMMANDANT, {"maatregelen": maatregelen, "motivering": "Besluit."}
    )
    await case.complete(
        TaskType.nazorg_afspraak,
        COMMANDANT,
        {"plan": "Gesprekken", "aanbieder": "bmw", "doelgroepen": ["melder", "team"]},
    )


async def test_full_path_with_investigation_and_hac(time_worker, policy, task_queue, engine) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await drive_investigation(case)
    await case.complete(
        TaskType.schending_beoordeling, COMMANDANT, {"schending": {"BTR-1": True}, "motivering": "Vastgesteld."}
    )
    await case.complete(TaskType.voornemen, JURIST, {"maatregelen": ["ontslag"], "motivering": "Ernstig."})
    await case.complete(TaskType.zienswijze_voornemen, JURIST, {"ontvangen": False})
    await case.complete(TaskType.hac_advies, HAC, {"advies": "Ontslag is evenredig."})
    await finish_afdoening(case, ["ontslag"])
    await time_worker.sleep(60 * 60 * 24 * 43)  # bezwaartermijn ends without bezwaar
    for _ in range(2):
        await case.complete(TaskType.nazorg_checkin, NAZORG, {"verslag": "Goed gesprek."})
    await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Melder geïnformeerd."})
    final = await case.handle.result()

    assert final.status == "gesloten" and final.outcome == "afgedaan"
    assert final.betrokkenen["BTR-1"].maatregelen == ["ontslag"]
    assert final.betrokkenen["BTR-1"].bezwaar == "geen_bezwaar"
    with Session(engine) as session:
        row = session.get(Case, case.case_id)
        assert row is not None and row.phase == Phase.gesloten and row.schending_vastgesteld
        measures = session.exec(select(MeasureDecision.measure)).all()
        assert measures == ["ontslag"]
        events = session.exec(select(AuditEvent.event_type).where(AuditEvent.case_id == case.case_id)).all()
        assert events[0] == "melding_geregistreerd" and events[-1] == "zaak_gesloten"
