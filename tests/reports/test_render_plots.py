"""What people read and look at: Markdown, CSV, JSON, HTML with charts, and chart files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

import sg989.cli_reports as cli
from reports.importer import import_csv


@pytest.fixture
def imported(store: Engine, jid2021_csv: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    import_csv(store, jid2021_csv, "jid2021.csv", "tester")
    monkeypatch.setattr(cli, "_engine", lambda: store)
    return store


def run(*args: str) -> str:
    result = CliRunner().invoke(cli.reports_app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_markdown_shows_dash_where_a_row_did_not_exist(imported: Engine) -> None:
    text = run("report", "--year", "2021", "--do", "czsk")
    line = next(ln for ln in text.splitlines() if ln.startswith("| Oneigenlijk gebruik"))
    assert line.replace(" ", "") == "|Oneigenlijkgebruikvandienstmiddelen|-|-|2|2|0|"
    assert "| **Totaal** | 85 | 79 | 59 |" in text


def test_json_carries_no_case_references(imported: Engine) -> None:
    data = json.loads(run("report", "--year", "2021", "--format", "json"))
    assert [s["title"] for s in data["sections"]][:2] == ["Defensie", "CZSK"]
    assert "IMP-" not in json.dumps(data) and "CZSK/Vloot" not in json.dumps(data)


def test_html_embeds_charts_and_plot_files_are_written(imported: Engine, tmp_path: Path) -> None:
    html = run(
        "report", "--year", "2021", "--do", "CZSK", "--format", "html", "--plots", str(tmp_path)
    )
    assert html.count('src="data:image/png;base64,') == 1  # trend; no live phases to chart
    png = tmp_path / "2021-czsk-trend.png"
    svg = tmp_path / "2021-czsk-trend.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text(encoding="utf-8")


def test_unknown_format_and_do_are_refused(imported: Engine) -> None:
    for args in (["--format", "pdf"], ["--do", "Marine"]):
        result = CliRunner().invoke(cli.reports_app, ["report", "--year", "2021", *args])
        assert result.exit_code == 2 and result.stderr.startswith("error: ")
