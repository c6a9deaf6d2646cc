"""Importing the published 2021 tables reproduces every published number in the report."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.engine import Engine

from reports.annual import annual_report
from reports.facts import load_facts
from reports.importer import import_csv
from reports.render import render
from tests.reports.fixture_rows import YEARS, published

Cells = dict[tuple[str, str, str, str], str]


def report_cells(engine: Engine, do: str | None = None) -> Cells:
    """The report as a user gets it from `--format csv`: (section, table, row, column) -> text."""
    text = render(annual_report(load_facts(engine), 2021, do), "csv")
    cells: Cells = {}
    for r in csv.DictReader(io.StringIO(text)):
        cells[(r["section"], r["table"], r["row_key"], r["column"])] = r["value"]
    return cells


@pytest.fixture
def imported(store: Engine, jid2021_csv: str) -> Engine:
    import_csv(store, jid2021_csv, "jid2021.csv", "tester")
    return store


def test_czsk_meldingen_per_category_and_year(imported: Engine) -> None:
    cells = report_cells(imported, "CZSK")
    for row in published("jid2021_czsk_meldingen.csv"):
        for year in YEARS:
            expected = row[str(year)] or "-"  # the row did not exist before 2021
            got = cells[("CZSK", "meldingen", row["category"], str(year))]
            assert got == expected, (row["category"], year)


def test_czsk_totals_are_computed_from_the_rows(imported: Engine) -> None:
    cells = report_cells(imported, "CZSK")
    for year in YEARS:
        expected = sum(int(r[str(year)] or 0) for r in published("jid2021_czsk_meldingen.csv"))
        assert cells[("CZSK", "meldingen", "totaal", str(year))] == str(expected)


def test_czsk_investigations_and_afdoening(imported: Engine) -> None:
    cells = report_cells(imported, "CZSK")
    tables = {"gestarte_onderzoeken": "onderzoeken", "afgeronde_onderzoeken": "onderzoeken"}
    for row in published("jid2021_czsk_onderzoeken_afdoening.csv"):
        table = tables.get(row["row"], "afdoening")
        for year in YEARS:
            assert cells[("CZSK", table, row["row"], str(year))] == row[str(year)], (
                row["row"],
                year,
            )


def test_czsk_afdoening_rows_follow_the_published_layout(imported: Engine) -> None:
    cells = report_cells(imported, "CZSK")
    rows = [k[2] for k in cells if k[:2] == ("CZSK", "afdoening") and k[3] == "2021"]
    published_rows = [r["row"] for r in published("jid2021_czsk_onderzoeken_afdoening.csv")][2:]
    assert rows[: len(published_rows)] == published_rows
    assert cells[("CZSK", "afdoening", "nog_geen_maatregel", "2021")] == "0"


def test_figure5_split_by_registration_period(imported: Engine) -> None:
    cells = report_cells(imported)
    columns = {
        "mvv_bps_tm_3nov": "MVV/BPS t/m 3 nov",
        "webformulier_mid_vanaf_4nov": "webformulier/MID vanaf 4 nov",
    }
    for row in published("jid2021_figuur5_meldingen.csv"):
        for fixture_column, report_column in columns.items():
            got = cells[("Defensie", "meldingen", row["category"], report_column)]
            assert got == row[fixture_column], (row["category"], fixture_column)
        total = int(row["mvv_bps_tm_3nov"]) + int(row["webformulier_mid_vanaf_4nov"])
        assert cells[("Defensie", "meldingen", row["category"], "2021")] == str(total)
    assert not any(k[3] == "anders geregistreerd" for k in cells)


def test_defensie_summary_counts_every_czsk_measure(imported: Engine) -> None:
    cells = report_cells(imported)
    table = {r["row"]: r for r in published("jid2021_czsk_onderzoeken_afdoening.csv")}
    for year in YEARS:
        y = str(year)
        assert cells[("Defensie", "afdoening_defensie", "Ontslagen", y)] == table["Ontslag"][y]
        assert (
            cells[("Defensie", "afdoening_defensie", "Geen maatregel", y)]
            == table["Geen maatregel"][y]
        )
