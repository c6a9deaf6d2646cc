"""The CLI on a new data folder, a bad file, a bad argument: one line, exit 2, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sg989.cli import app
from sg989.settings import get_settings
from store.db import make_engine
from store.migrate import current_revisions, head_revisions

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder that does not exist yet, as on a machine that never ran sg989."""
    folder = tmp_path / "new-data"
    monkeypatch.setenv("SG989_DATA_DIR", str(folder))
    monkeypatch.delenv("SG989_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def assert_user_error(result, *phrases: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output


def test_report_on_a_new_data_folder_migrates_the_embedded_store(data_dir: Path) -> None:
    result = runner.invoke(app, ["report", "--year", "2021", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "schema brought up to date" in result.output
    engine = make_engine(f"sqlite:///{data_dir / 'sg989.db'}")
    assert current_revisions(engine) == head_revisions()


def test_import_on_a_new_data_folder_imports(data_dir: Path, tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.csv"
    legacy.write_text(
        "case_ref,do,unit,registered_on,system,channel,category,category_toelichting,"
        "onderzoek,onderzoek_start,onderzoek_end,schending,betrokkene,measure,decided_on\n"
        "A-1,CZSK,CZSK/VLOOT,2021-03-01,MVV,lijn,financieel,,nee,,,,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(legacy), "--imported-by", "beheer"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_a_production_store_without_schema_says_to_migrate(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SG989_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["report", "--year", "2021"])
    assert_user_error(result, "no schema yet", "run `sg989 migrate`")
    assert len(result.output.strip().splitlines()) == 1

    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["report", "--year", "2021"]).exit_code == 0


def test_an_unreachable_store_is_one_line(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SG989_DATABASE_URL", "postgresql+psycopg://sg989:geheim@127.0.0.1:1/sg989")
    get_settings.cache_clear()
    result = runner.invoke(app, ["publish", "--quarter", "2021Q4"])
    assert_user_error(result, "cannot reach the store at", "127.0.0.1:1")
    assert "geheim" not in result.output


def test_a_bad_file_is_refused(data_dir: Path, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.csv")])
    assert_user_error(missing, "cannot read", "nope.csv")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xfe")
    assert_user_error(runner.invoke(app, ["import", str(binary)]), "cannot read", "photo.csv")
    rubbish = tmp_path / "rubbish.csv"
    rubbish.write_text("this is not,the schema\n1,2\n", encoding="utf-8")
    assert_user_error(runner.invoke(app, ["import", str(rubbish)]), "nothing was imported")


def test_bad_arguments_are_refused(data_dir: Path, tmp_path: Path) -> None:
    assert_user_error(runner.invoke(app, ["report", "--year", "twenty"]), "--year")
    assert_user_error(runner.invoke(app, ["report", "--year", "2021", "--do", "NAVO"]), "NAVO")
    assert_user_error(runner.invoke(app, ["report", "--year", "2021", "--format", "pdf"]), "pdf")
    assert_user_error(runner.invoke(app, ["publish", "--quarter", "2021Q5"]), "2021Q5")
    assert_user_error(runner.invoke(app, ["no-such-command"]), "No such command")
    assert_user_error(runner.invoke(app, ["timeline", "ZK-2026-99999"]), "ZK-2026-99999")
    unwritable = tmp_path / "missing-folder" / "report.md"
    result = runner.invoke(app, ["report", "--year", "2021", "--output", str(unwritable)])
    assert_user_error(result, "cannot write", "report.md")


def test_up_with_an_unknown_process_layout_says_which_values_it_takes(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typo must not quietly give another layout than the one asked for."""
    monkeypatch.setenv("SG989_UP_PROCESSES", "seperate")
    get_settings.cache_clear()
    result = runner.invoke(app, ["up"])
    assert_user_error(result, "SG989_UP_PROCESSES is 'seperate'", "separate (the default) or one")
    assert not data_dir.exists()  # nothing was started or created
