"""A live case driven through the real workflow to besluit afdoening counts in the report."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.phases import TaskType
from reports.annual import annual_report
from reports.facts import load_facts
from store.db import as_utc
from store.models import Case
from tests.workflows.driver import COID, COMMANDANT, HAC, JURIST, ONDERZOEKER, CaseDriver

BESCHIKKING = {
    "besluit": "instellen",
    "onderzoeksopdracht": "Onderzoek naar de feiten rond de melding.",
    "onderzoekers": ["ond-1"],
    "termijn_weken": 12,
    "betrokkenen": ["BTR-1"],
}
RAPPORT = {"document_ref": "DOC-1", "samenvatting": "Bevindingen."}


async def drive_to_afdoening(case: CaseDriver) -> None:
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "Concreet."})
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)
    await case.complete(TaskType.review_beschikking, JURIST, {"akkoord": True})
    await case.complete(TaskType.concept_rapport, ONDERZOEKER, RAPPORT)
    await case.complete(
        TaskType.zienswijze_concept, ONDERZOEKER, {"ontvangen": True, "samenvatting": "x"}
    )
    await case.complete(TaskType.eindrapport, ONDERZOEKER, RAPPORT)
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": True}, "motivering": "Vastgesteld."},
    )
    await case.complete(
        TaskType.voornemen, JURIST, {"maatregelen": ["ontslag"], "motivering": "Ernstig."}
    )
    await case.complete(TaskType.zienswijze_voornemen, JURIST, {"ontvangen": False})
    await case.complete(TaskType.hac_advies, HAC, {"advies": "Ontslag is evenredig."})
    await case.complete(
        TaskType.besluit_afdoening,
        COMMANDANT,
        {"maatregelen": ["ontslag"], "motivering": "Besluit."},
    )


async def test_live_case_counts_in_the_annual_report(
    time_worker, policy, task_queue, engine: Engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await drive_to_afdoening(case)
    with Session(engine) as session:
        row = session.get(Case, case.case_id)
        assert row is not None and not row.imported
        registered = as_utc(row.registered_at)
    assert registered is not None
    year = registered.year
    report = annual_report(load_facts(engine), year, "CLAS", datetime.now(UTC))
    section = report.section("CLAS")
    assert section.table("meldingen").cell("ongewenste_omgangsvormen", str(year)) == 1
    assert section.table("onderzoeken").cell("gestarte_onderzoeken", str(year)) == 1
    assert section.table("afdoening").cell("Ontslag", str(year)) == 1
    assert section.table("afdoening_defensie").cell("Ontslagen", str(year)) == 1
    leadtimes = section.table("doorlooptijden")
    assert leadtimes.row("weging").cells[0] == 1  # the weging phase was entered and left once
    assert section.table("termijnen_rol").row("coid_adviseur").cells[0] >= 2
