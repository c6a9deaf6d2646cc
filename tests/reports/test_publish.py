"""The quarterly publication: no names, no dates finer than the quarter, small cells protected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

import sg989.cli_reports as cli
from reports.facts import load_facts
from reports.importer import import_csv
from reports.publish import MERGED, parse_quarter, publication, render_publication

HEADER = "case_ref,do,unit,registered_on,system,category,betrokkene,measure,decided_on"


def rows(
    prefix: str, do: str, category: str, measure: str, n: int, day: str = "2021-11-15"
) -> list[str]:
    unit = f"{do}/Eenheid"
    return [
        f"{prefix}{i},{do},{unit},2021-07-01,MVV,{category},B1,{measure},{day}" for i in range(n)
    ]


@pytest.fixture
def quarter_data(store: Engine) -> Engine:
    lines = (
        rows("A", "CZSK", "financieel", "ontslag", 6)
        + rows("B", "CZSK", "financieel", "berisping", 2)
        + rows("C", "CZSK", "financieel", "verplaatsing", 3)
        + rows("D", "CLAS", "privesfeer", "ontslag", 1)
        + rows("E", "CLAS", "privesfeer", "ontslag", 9, day="2021-09-30")  # Q3: not published
    )
    import_csv(store, "\n".join([HEADER, *lines]), "q.csv", "x")
    return store


def test_small_cells_are_merged_or_suppressed_and_the_output_says_so(quarter_data: Engine) -> None:
    pub = publication(load_facts(quarter_data), parse_quarter("2021Q4"), minimum=5)
    cells = {(r.do, r.category, r.measure): r.count for r in pub.rows}
    assert cells == {
        ("CZSK", "Financiële schendingen", "Ontslag"): 6,
        ("CZSK", "Financiële schendingen", MERGED): 5,  # berisping 2 + gedwongen verplaatsing 3
        ("CLAS", "Misdragingen in de privésfeer", MERGED): "<5",
    }
    assert {r.quarter for r in pub.rows} == {"2021Q4"}
    text = render_publication(pub, "md")
    assert "2 cellen met minder dan 5 zijn samengevoegd" in text
    assert "1 cellen met minder dan 5 zijn onderdrukt" in text


def test_a_lower_minimum_publishes_more_detail(quarter_data: Engine) -> None:
    pub = publication(load_facts(quarter_data), parse_quarter("2021q4"), minimum=1)
    assert pub.merged_cells == pub.suppressed_cells == 0
    assert ("CZSK", "Berisping of ambtsbericht", 2) in {
        (r.do, r.measure, r.count) for r in pub.rows
    }


def test_publication_has_no_references_or_dates(quarter_data: Engine) -> None:
    text = render_publication(
        publication(load_facts(quarter_data), parse_quarter("2021Q4")), "json"
    )
    assert "2021-11" not in text and "IMP-" not in text and "B1" not in text
    assert json.loads(text)["minimum"] == 5


@pytest.mark.parametrize("bad", ["2021Q5", "2021Q0", "Q4 2021", "2021", ""])
def test_a_bad_quarter_is_explained(bad: str) -> None:
    with pytest.raises(ValueError, match="2021Q4|quarters 1 to 4"):
        parse_quarter(bad)


def test_cli_publish(quarter_data: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_engine", lambda: quarter_data)
    runner = CliRunner()
    bad = runner.invoke(cli.reports_app, ["publish", "--quarter", "2021Q5"])
    assert bad.exit_code == 2 and "quarters 1 to 4" in bad.stderr
    out = tmp_path / "q4.csv"
    ok = runner.invoke(
        cli.reports_app, ["publish", "--quarter", "2021Q4", "--format", "csv", "--output", str(out)]
    )
    assert ok.exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "categorie,defensieonderdeel,kwartaal,maatregel,aantal"
    assert "Financiële schendingen,CZSK,2021Q4,Ontslag,6" in lines
    assert any(line.startswith("# 1 cellen") for line in lines)
