"""`sg989 directory import FILE.csv`: every error with its line, nothing stored on an error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from sg989.cli_directory import directory_app as app
from sg989.settings import get_settings
from store.db import make_engine
from store.models import Person

GOOD = """# the directory of CLAS
sub,name,email,roles,units,delivery,active
cdt-1,Kolonel De Vries,devries@example.org,commandant,CLAS/11LMB,direct,ja
hcdt-1,Generaal Bakker,bakker@example.org,"commandant;hogere_commandant",CLAS,digest,
coid-1,Adviseur Jansen,,coid_adviseur,CLAS,,
"""
BAD = """sub,name,email,roles,units,delivery,active
cdt-1,Kolonel De Vries,devries@example.org,commandant,CLAS/11LMB,direct,ja
,Naamloos,x@example.org,commandant,CLAS,,
cdt-2,Iemand,geen-adres,commandant,CLAS,,
cdt-3,Iemand,,generaal,CLAS,,
cdt-4,Iemand,,commandant,MARS,,
cdt-5,Iemand,,commandant,CLAS,weekly,
cdt-1,Dubbel,,commandant,CLAS,,
cdt-6,Iemand,,commandant,CLAS,,misschien
"""


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{(tmp_path / 'sg989.db').as_posix()}"
    monkeypatch.setenv("SG989_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _people(url: str) -> dict[str, Person]:
    with Session(make_engine(url)) as session:
        return {p.sub: p for p in session.exec(select(Person)).all()}


def test_a_good_file_adds_then_updates(tmp_path: Path, store_url: str) -> None:
    file = tmp_path / "people.csv"
    file.write_text(GOOD, encoding="utf-8")
    first = CliRunner().invoke(app, ["import", str(file)])
    assert first.exit_code == 0, first.output
    assert "3 people added, 0 updated" in first.output
    people = _people(store_url)
    assert people["hcdt-1"].roles == ["commandant", "hogere_commandant"]
    assert people["hcdt-1"].delivery == "digest" and people["hcdt-1"].active
    assert people["coid-1"].email is None

    second = CliRunner().invoke(app, ["import", str(file)])
    assert "0 people added, 3 updated" in second.output
    listed = CliRunner().invoke(app, ["list"])
    assert "Generaal Bakker" in listed.output


def test_a_bad_file_reports_every_error_by_line_and_stores_nothing(
    tmp_path: Path, store_url: str
) -> None:
    file = tmp_path / "people.csv"
    file.write_text(BAD, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(file)])
    assert result.exit_code == 2
    out = result.output
    for line, words in [
        (3, "sub"),
        (4, "not an e-mail address"),
        (5, "unknown role generaal"),
        (6, "defensieonderdeel"),
        (7, "delivery"),
        (8, "listed already on line 2"),
        (9, "active must be ja or nee"),
    ]:
        assert f"line {line}: " in out and words in out, (line, out)
    assert "nothing was imported" in out
    assert _people(store_url) == {}


def test_a_missing_file_is_a_user_error(tmp_path: Path, store_url: str) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_undeliverable_notifications_are_listed_on_the_command_line(
    tmp_path: Path, store_url: str
) -> None:
    from store.db import session_scope
    from store.notifications import resolve_new
    from tests.notify.outbox import add_case, add_note

    assert CliRunner().invoke(app, ["undeliverable"]).exit_code == 0  # migrates the new store
    engine = make_engine(store_url)
    add_case(engine, "ZK-40")
    add_note(engine, "ZK-40", "directeur_coid", "escalatie")
    with session_scope(engine) as session:
        resolve_new(session, now=datetime.now(UTC), domain="x.example")
    result = CliRunner().invoke(app, ["undeliverable"])
    assert result.exit_code == 1
    assert "ZK-40" in result.output and "directeur_coid" in result.output

    file = tmp_path / "people.csv"
    file.write_text("sub,name,email,roles,units\ndc-1,D,d@example.org,directeur_coid,CLAS\n")
    assert CliRunner().invoke(app, ["import", str(file)]).exit_code == 0
    retried = CliRunner().invoke(app, ["undeliverable", "--retry"])
    assert retried.exit_code == 0 and "1 notification(s) resolved again" in retried.output
