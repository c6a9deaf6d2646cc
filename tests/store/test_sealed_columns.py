"""The melder's contact is encrypted at rest: the database file holds ciphertext only."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from store.models import Case
from store.sealed import is_sealed

CONTACT = "melder@example.invalid"


def _case() -> Case:
    return Case(
        case_id="ZK-2026-0001", do="CLAS", unit="CLAS/11LMB", category="c", channel="mid",
        melder_type="medewerker", phase="intake", melder_contact=CONTACT,
    )  # fmt: skip


def test_the_contact_is_sealed_in_the_database_and_clear_through_the_model(engine) -> None:
    with Session(engine) as session:
        session.add(_case())
        session.commit()
    with engine.connect() as connection:
        raw = connection.execute(text('SELECT melder_contact FROM "case"')).scalar_one()
    assert is_sealed(raw) and CONTACT not in raw
    with Session(engine) as session:
        case = session.get(Case, "ZK-2026-0001")
        assert case is not None and case.melder_contact == CONTACT


def test_a_contact_stored_before_sealing_still_reads(engine) -> None:
    with Session(engine) as session:
        session.add(_case())
        session.commit()
    with engine.begin() as connection:
        connection.execute(text("UPDATE \"case\" SET melder_contact = 'oud@example.invalid'"))
    with Session(engine) as session:
        case = session.get(Case, "ZK-2026-0001")
        assert case is not None and case.melder_contact == "oud@example.invalid"


def test_migration_0005_seals_contacts_stored_in_clear(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from store.migrate import alembic_config, upgrade_to_head

    url = f"sqlite:///{(tmp_path / 'old.db').as_posix()}"
    command.upgrade(alembic_config(url), "0002")
    old = create_engine(url)
    with old.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO "case" (case_id, do, unit, category, channel, melder_type, variant,'
                " policy_version, phase, status, melder_contact, description, last_seq, imported)"
                " VALUES ('ZK-1', 'CLAS', 'CLAS', 'c', 'mid', 'medewerker', 'standaard', '',"
                f" 'intake', 'open', '{CONTACT}', '', 0, 0)"
            )
        )
    upgrade_to_head(url)
    with old.connect() as connection:
        raw = connection.execute(text('SELECT melder_contact FROM "case"')).scalar_one()
    assert is_sealed(raw)
    with Session(old) as session:
        case = session.get(Case, "ZK-1")
        assert case is not None and case.melder_contact == CONTACT


def test_a_failed_write_names_no_values_in_its_error(engine) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    for _ in range(2):
        with Session(engine) as session:
            case = _case()
            case.description = "Vertrouwelijke omschrijving"
            session.add(case)
            try:
                session.commit()
            except IntegrityError as exc:
                assert "Vertrouwelijke" not in str(exc) and "hidden" in str(exc)
                return
    pytest.fail("the second insert of the same case should have failed")
