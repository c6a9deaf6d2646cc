"""A legacy file is imported whole or not at all, once, and its cases stay out of the inboxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

import sg989.cli_reports as cli
from reports.importer import ImportRejected, import_csv
from store.models import Betrokkene, Case, ImportBatch, MeasureDecision, Task

HEADER = (
    "case_ref,do,unit,registered_on,system,channel,category,category_toelichting,"
    "onderzoek,onderzoek_start,onderzoek_end,schending,betrokkene,measure,decided_on"
)
GOOD = [
    "MVV-1,CZSK,CZSK/Vloot,2021-03-01,MVV,lijn,financieel,,ja,2021-03-10,2021-05-01,ja,B1,ontslag,2021-06-01",
    "MVV-1,CZSK,CZSK/Vloot,2021-03-01,MVV,lijn,financieel,,ja,2021-03-10,2021-05-01,ja,B2,ambtsbericht,2021-06-02",
    "BPS-7,KMar,KMar/LTP,2020-11-20,BPS,mid,privesfeer,,nee,,,,,,",
]


def counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(
            s.exec(select(func.count()).select_from(t)).one()
            for t in (Case, Betrokkene, MeasureDecision, ImportBatch)
        )


def test_import_stores_closed_imported_cases_without_tasks(store: Engine) -> None:
    result = import_csv(store, "\n".join([HEADER, *GOOD]), "mvv.csv", "beheerder-1")
    assert (result.rows, result.cases, result.betrokkenen, result.decisions) == (3, 2, 2, 2)
    with Session(store) as s:
        case = s.get(Case, "IMP-MVV-1")
        assert case is not None
        assert (case.imported, case.status, case.phase) == (True, "gesloten", "gesloten")
        assert case.import_source == "MVV/PSMV" and case.schending_vastgesteld is True
        assert s.exec(select(Task)).all() == []


def test_every_error_is_reported_with_its_line_and_nothing_is_stored(store: Engine) -> None:
    bad = [
        GOOD[0],
        GOOD[1].replace("ambtsbericht", "foo"),
        "# a comment line keeps the numbering honest",
        GOOD[2].replace("2020-11-20", "2020-13-01"),
        "X-1,Marine,CZSK/Vloot,2021-01-01,MVV,lijn,overig,,nee,,,,,,",
        GOOD[0].replace("2021-03-01", "2021-03-02"),
    ]
    with pytest.raises(ImportRejected) as caught:
        import_csv(store, "\n".join([HEADER, *bad]), "bad.csv", "beheerder-1")
    errors = caught.value.errors
    assert any(
        e.startswith("line 3: measure 'foo' is not a known measure code (known: ontslag")
        for e in errors
    )
    assert any(e.startswith("line 5: registered_on") for e in errors)
    assert any(e.startswith("line 6: do 'Marine' is not a defensieonderdeel") for e in errors)
    assert any(
        e.startswith("line 7: case 'MVV-1' has registered_on") and "line 2" in e for e in errors
    )
    assert any(e.startswith("line 7: repeats line 2") for e in errors)
    assert counts(store) == (0, 0, 0, 0)


def test_row_rules_name_the_problem(store: Engine) -> None:
    rows = [
        "A,CZSK,CLAS/11LMB,2021-01-01,MVV,lijn,overig,,ja,,,,B1,ontslag,",
    ]
    with pytest.raises(ImportRejected) as caught:
        import_csv(store, "\n".join([HEADER, *rows]), "bad.csv", "x")
    (error,) = caught.value.errors
    assert error.startswith("line 2: ")
    for problem in (
        "does not belong to CZSK",
        "needs a category_toelichting",
        "onderzoek_start is empty",
        "give both or neither",
    ):
        assert problem in error


def test_missing_columns_are_named(store: Engine) -> None:
    with pytest.raises(ImportRejected) as caught:
        import_csv(store, "case_ref,do,unit,catgory\nA,CZSK,CZSK/Vloot,financieel", "x.csv", "x")
    assert caught.value.errors[0].startswith(
        "line 1: missing column(s): registered_on, system, category"
    )
    assert "unknown column(s): catgory" in caught.value.errors[1]


def test_importing_the_same_file_twice_adds_nothing(store: Engine) -> None:
    text = "\n".join([HEADER, *GOOD])
    first = import_csv(store, text, "mvv.csv", "beheerder-1")
    before = counts(store)
    # the same content, differently laid out, is the same file
    again = import_csv(store, "\n".join([HEADER, *reversed(GOOD)]) + "\n\n", "copy.csv", "other")
    assert again.already_imported and not first.already_imported
    assert again.summary.startswith("already imported on ") and again.summary.endswith(
        "nothing added"
    )
    assert counts(store) == before


def test_a_case_imported_before_is_refused_in_another_file(store: Engine) -> None:
    import_csv(store, "\n".join([HEADER, GOOD[2]]), "a.csv", "x")
    with pytest.raises(ImportRejected) as caught:
        import_csv(
            store,
            "\n".join([HEADER, GOOD[0], GOOD[2].replace("privesfeer", "financieel")]),
            "b.csv",
            "x",
        )
    assert caught.value.errors == ["line 3: case IMP-BPS-7 already exists (an earlier import)"]
    assert counts(store)[0] == 1


def test_cli_reports_errors_on_stderr_with_exit_code_2(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_engine", lambda: store)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, GOOD[0].replace("ontslag", "foo")]), encoding="utf-8")
    result = CliRunner().invoke(cli.reports_app, ["import", str(bad)])
    assert result.exit_code == 2
    assert "line 2: measure 'foo'" in result.stderr
    assert "nothing was imported" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text("\n".join([HEADER, *GOOD]), encoding="utf-8")
    ok = CliRunner().invoke(cli.reports_app, ["import", str(good)])
    assert ok.exit_code == 0 and "imported 3 rows: 2 cases" in ok.stdout
    assert "validated 3 rows" in ok.stderr
