"""Lead times and deadline compliance of live cases; imported cases have no phases to count."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from reports.annual import annual_report
from reports.facts import load_facts
from reports.importer import import_csv
from reports.leadtimes import percentile
from tests.reports.live_rows import live_case, task

AS_OF = datetime(2022, 1, 1, tzinfo=UTC)


def test_median_and_90th_percentile_per_phase(store: Engine) -> None:
    for i, weging_days in enumerate((1, 2, 3, 4, 10)):
        live_case(store, f"ZK-{i}", days=(2, weging_days))
    table = (
        annual_report(load_facts(store), 2021, "CLAS", AS_OF)
        .section("CLAS")
        .table("doorlooptijden")
    )
    assert table.row("weging").cells == [5, 3.0, 7.6, 0]
    assert table.row("intake").cells == [5, 2.0, 2.0, 0]
    assert table.row("afdoening").cells == [0, None, None, 5]


def test_share_on_time_extended_escalated_per_role_and_unit(store: Engine) -> None:
    live_case(store, "ZK-1")
    task(store, "T1", "ZK-1", "coid_adviseur")
    task(store, "T2", "ZK-1", "coid_adviseur", late=True, escalation=1)
    task(store, "T3", "ZK-1", "commandant", extensions=1)
    task(store, "T4", "ZK-1", "commandant", done=False)  # overdue and still open: late
    section = annual_report(load_facts(store), 2021, "CLAS", AS_OF).section("CLAS")
    by_role = section.table("termijnen_rol")
    assert by_role.row("coid_adviseur").cells == [2, 50.0, 0.0, 50.0]
    assert by_role.row("commandant").cells == [2, 50.0, 50.0, 0.0]
    assert section.table("termijnen_eenheid").row("CLAS/11LMB").cells == [4, 50.0, 25.0, 25.0]


def test_live_and_imported_cases_count_together_but_only_live_ones_have_lead_times(
    store: Engine,
) -> None:
    live_case(store, "ZK-1")
    header = (
        "case_ref,do,unit,registered_on,system,category,betrokkene,measure,decided_on\n"
        "M-1,CLAS,CLAS/11LMB,2021-01-05,MVV,financieel,B1,ontslag,2021-03-01\n"
    )
    import_csv(store, header, "m.csv", "x")
    section = annual_report(load_facts(store), 2021, "CLAS", AS_OF).section("CLAS")
    assert section.table("meldingen").cell("financieel", "2021") == 2
    assert section.table("afdoening").cell("Ontslag", "2021") == 1
    assert section.table("afdoening").cell("Berisping of ambtsbericht", "2021") == 1
    assert section.table("doorlooptijden").row("intake").cells[0] == 1


def test_percentile_interpolates() -> None:
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([0.0, 10.0], 0.9) == 9.0
