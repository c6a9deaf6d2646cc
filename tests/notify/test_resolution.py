"""Who a notification goes to: role and unit, a person, the melder, an escalation level."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.db import session_scope
from store.models import NotificationDelivery, Person
from store.notifications import resolve_new, retry_undeliverable, undeliverable
from tests.notify.outbox import add_case, add_note

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _resolve(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with session_scope(engine) as session:
        resolve_new(session, now=NOW, domain="x.example")
    with Session(engine) as session:
        rows = session.exec(select(NotificationDelivery)).all()
        return {f"{r.seq}:{r.recipient}": (r.status, r.reason) for r in rows}


def _statuses(engine: Engine) -> dict[str, str]:
    return {k: v[0] for k, v in _resolve(engine).items()}


def test_a_role_and_unit_reach_the_active_people_in_scope(directory: Engine) -> None:
    add_case(directory, "ZK-1", "melder@example.invalid")
    _, seq, _ = add_note(directory, "ZK-1", "commandant")
    got = _statuses(directory)
    # cdt-1 commands CLAS/11LMB; old-1 is inactive; clsk-1 serves another DO.
    assert got == {f"{seq}:cdt-1": "pending"}


def test_a_person_addressed_by_sub_gets_it_and_nobody_else(directory: Engine) -> None:
    add_case(directory, "ZK-2")
    _, seq, _ = add_note(directory, "ZK-2", "onderzoeker", sub="ond-1")
    assert _statuses(directory) == {f"{seq}:ond-1": "pending"}


def test_escalation_levels_are_roles_people_can_hold(directory: Engine) -> None:
    add_case(directory, "ZK-3")
    _, a, _ = add_note(directory, "ZK-3", "hogere_commandant", "escalatie")
    _, b, _ = add_note(directory, "ZK-3", "coid_teamleider", "escalatie")
    assert _statuses(directory) == {f"{a}:hcdt-1": "pending", f"{b}:tl-1": "pending"}


def test_the_melder_is_mailed_only_with_an_address(directory: Engine) -> None:
    add_case(directory, "ZK-4", "melder@example.invalid")
    add_case(directory, "ZK-5")  # anonymous
    add_case(directory, "ZK-6", "06-12345678")  # a phone number is no address
    _, a, _ = add_note(directory, "ZK-4", "melder", "bericht_aan_melder")
    _, b, _ = add_note(directory, "ZK-5", "melder", "bericht_aan_melder")
    _, c, _ = add_note(directory, "ZK-6", "melder", "bericht_aan_melder")
    got = _statuses(directory)
    assert got == {
        f"{a}:melder": "pending",
        f"{b}:melder": "not_mailed",
        f"{c}:melder": "not_mailed",
    }


def test_reminders_wait_for_the_digest_escalations_never_do(directory: Engine) -> None:
    add_case(directory, "ZK-7")
    _, a, _ = add_note(directory, "ZK-7", "nazorg", "herinnering")
    _, b, _ = add_note(directory, "ZK-7", "nazorg", "escalatie")
    assert _statuses(directory) == {f"{a}:naz-1": "digest", f"{b}:naz-1": "pending"}
    with Session(directory) as session:
        waiting = session.exec(
            select(NotificationDelivery).where(NotificationDelivery.status == "digest")
        ).one()
        # 07:00 the next morning in Amsterdam is 06:00 UTC in winter.
        assert waiting.next_attempt_at is not None
        assert waiting.next_attempt_at.replace(tzinfo=UTC) == datetime(
            2026, 12, 1, 6, 0, tzinfo=UTC
        )


def test_nobody_to_reach_is_an_error_the_beheerder_sees_and_can_retry(directory: Engine) -> None:
    add_case(directory, "ZK-8")
    _, a, _ = add_note(directory, "ZK-8", "voorzitter_hac", "escalatie")
    _, b, _ = add_note(directory, "ZK-8", "jurist", sub="nobody-9")
    got = _resolve(directory)
    assert got[f"{a}:"][0] == "undeliverable"
    assert "voorzitter_hac" in (got[f"{a}:"][1] or "")
    assert got[f"{b}:nobody-9"][0] == "undeliverable"
    with Session(directory) as session:
        assert len(undeliverable(session)) == 2

    with session_scope(directory) as session:
        session.add(
            Person(
                sub="vz-1",
                name="Voorzitter",
                email="vz@example.org",
                roles=["voorzitter_hac"],
                units=["CLAS"],
            )
        )
    with session_scope(directory) as session:
        assert retry_undeliverable(session, now=NOW, domain="x.example") == 2
    with Session(directory) as session:
        left = undeliverable(session)
        assert [(r.seq, r.recipient) for r in left] == [(b, "nobody-9")]
        fixed = session.exec(
            select(NotificationDelivery).where(NotificationDelivery.recipient == "vz-1")
        ).one()
        assert fixed.status == "pending" and fixed.address == "vz@example.org"


def test_a_person_without_address_is_listed_not_dropped(directory: Engine) -> None:
    with session_scope(directory) as session:
        person = session.get(Person, "jur-1")
        assert person is not None
        person.email = None
        session.add(person)
    add_case(directory, "ZK-9")
    _, seq, _ = add_note(directory, "ZK-9", "jurist")
    status, reason = _resolve(directory)[f"{seq}:jur-1"]
    assert status == "undeliverable" and "e-mail address" in (reason or "")
