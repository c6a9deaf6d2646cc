"""A live case driven through the real workflow to besluit afdoening counts in the report."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from reports.annual import annual_report
from reports.facts import load_facts
from store.db import as_utc
from store.models import Case
from tests.workflows.driver import CaseDriver
from tests.workflows.test_paths import drive_to_afdoening, finish_afdoening


async def test_live_case_counts_in_the_annual_report(
    time_worker, policy, task_queue, engine: Engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])
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
