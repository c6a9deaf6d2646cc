"""Delivery over SMTP to a real aiosmtpd server: sent once, marked sent, retried after an
outage, reminders grouped into a digest, no case content in any message."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, literal, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from activities.mail import MailConfig
from activities.notify import Dispatcher
from sg989.keys import KeyRing
from sg989.mail_sink import MailSink
from store.models import Case, NotificationDelivery, OutboxNotification
from store.notifications import undeliverable
from store.sealed import PREFIX
from tests.notify.outbox import add_case, add_note

SECRET = "Geheime inhoud"


async def _drain(dispatcher: Dispatcher, now: datetime | None = None) -> int:
    total = 0
    while sent := await dispatcher.once(now):
        total += sent
    return total


async def test_each_notification_is_sent_once_and_marked_sent(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    add_case(directory, "ZK-10", "melder@example.invalid")
    add_note(directory, "ZK-10", "commandant")
    add_note(directory, "ZK-10", "coid_adviseur", "escalatie")
    melder_text = "Uw melding is ontvangen en geregistreerd onder zaaknummer ZK-10.\n\nDank u."
    add_note(directory, "ZK-10", "melder", "bericht_aan_melder", text=melder_text)
    dispatcher = Dispatcher(directory, mail_config)

    assert await _drain(dispatcher) == 3
    assert await _drain(dispatcher) == 0  # nothing is sent twice

    by_address = {tuple(m.to): m for m in sink.received}
    assert set(by_address) == {
        ("cdt@example.org",),
        ("coid@example.org",),
        ("melder@example.invalid",),
    }
    task = by_address[("cdt@example.org",)]
    assert (
        task.body == "Er is een taak voor u in zaak ZK-10.\n\nhttps://sg989.example/cases/ZK-10\n"
    )
    assert by_address[("melder@example.invalid",)].body == melder_text + "\n"
    assert "Escalatie" in str(by_address[("coid@example.org",)].message["Subject"])
    for mail in sink.received:
        assert SECRET not in mail.message.as_string()
        assert mail.path is not None and mail.path.exists()
    with Session(directory) as session:
        assert all(r.sent_at is not None for r in session.exec(select(OutboxNotification)))
        assert {r.status for r in session.exec(select(NotificationDelivery))} == {"sent"}


async def test_message_ids_are_deterministic(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    add_case(directory, "ZK-11")
    add_note(directory, "ZK-11", "commandant")
    await _drain(Dispatcher(directory, mail_config))
    with Session(directory) as session:
        row = session.exec(select(NotificationDelivery)).one()
    assert sink.received[0].message_id == row.message_id
    assert row.message_id.endswith("@defensie.example>")


async def test_an_smtp_outage_delays_then_delivers_everything_once(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    add_case(directory, "ZK-12")
    for role in ("commandant", "coid_adviseur", "jurist", "hac"):
        add_note(directory, "ZK-12", role)
    sink.refuse = True  # 451 to everything
    dispatcher = Dispatcher(directory, mail_config)
    assert await dispatcher.once() == 0
    with Session(directory) as session:
        rows = session.exec(select(NotificationDelivery)).all()
        assert {r.status for r in rows} == {"pending"}
        assert all(r.attempts == 1 and "451" in (r.last_error or "") for r in rows)

    down = MailConfig(**{**mail_config.__dict__, "port": 1})  # nothing listens there
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert await Dispatcher(directory, down).once(later) == 0
    with Session(directory) as session:
        rows = session.exec(select(NotificationDelivery)).all()
        assert all(r.attempts == 2 and "not usable" in (r.last_error or "") for r in rows)

    sink.refuse = False
    assert await _drain(dispatcher, datetime.now(UTC) + timedelta(minutes=2)) == 4
    assert Counter(m.to[0] for m in sink.received) == Counter(
        ["cdt@example.org", "coid@example.org", "jur@example.org", "hac@example.org"]
    )
    with Session(directory) as session:
        assert all(r.sent_at is not None for r in session.exec(select(OutboxNotification)))


async def test_a_digest_groups_the_reminders_of_a_day(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    for case_id in ("ZK-13", "ZK-14"):
        add_case(directory, case_id)
    add_note(directory, "ZK-13", "nazorg", "herinnering")
    add_note(directory, "ZK-14", "nazorg", "herinnering")
    add_note(directory, "ZK-14", "nazorg", "herinnering")
    add_note(directory, "ZK-14", "nazorg", "escalatie")
    dispatcher = Dispatcher(directory, mail_config)
    assert await _drain(dispatcher) == 1  # the escalation, at once
    assert "Escalatie" in str(sink.received[0].message["Subject"])

    with Session(directory) as session:
        due = session.exec(
            select(NotificationDelivery.next_attempt_at).where(
                NotificationDelivery.status == "digest"
            )
        ).first()
    assert due is not None
    assert await _drain(dispatcher, due.replace(tzinfo=UTC) - timedelta(minutes=1)) == 0
    assert await _drain(dispatcher, due.replace(tzinfo=UTC) + timedelta(seconds=1)) == 1
    digest = sink.received[1]
    assert digest.to == ["naz@example.org"]
    assert "Dagelijks overzicht" in str(digest.message["Subject"])
    assert digest.body.count("zaak ZK-13") == 1 and digest.body.count("zaak ZK-14") == 1
    with Session(directory) as session:
        assert (
            session.exec(
                select(NotificationDelivery).where(col(NotificationDelivery.sent_at).is_(None))
            ).all()
            == []
        )


async def test_the_melder_never_gets_the_text_meant_for_staff(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    add_case(directory, "ZK-15", "melder@example.invalid")
    add_note(directory, "ZK-15", "melder", "termijn_verlengd")  # the investigation was extended
    add_note(directory, "ZK-15", "betrokkene", "termijn_verlengd")
    assert await _drain(Dispatcher(directory, mail_config)) == 1
    [mail] = sink.received
    assert mail.to == ["melder@example.invalid"]
    assert mail.body == "De termijn in zaak ZK-15 over uw melding is verlengd.\n"
    with Session(directory) as session:
        betrokkene = session.exec(
            select(NotificationDelivery).where(NotificationDelivery.recipient == "betrokkene")
        ).one()
        assert betrokkene.status == "not_mailed" and "letter" in (betrokkene.reason or "")
        assert all(r.sent_at is not None for r in session.exec(select(OutboxNotification)))


async def test_an_address_the_server_refuses_is_listed_and_the_rest_still_goes(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    add_case(directory, "ZK-16")
    add_note(directory, "ZK-16", "commandant")
    add_note(directory, "ZK-16", "coid_adviseur")
    sink.unknown = {"cdt@example.org"}
    assert await _drain(Dispatcher(directory, mail_config)) == 1
    assert [m.to for m in sink.received] == [["coid@example.org"]]
    with Session(directory) as session:
        [refused] = undeliverable(session)
    assert refused.recipient == "cdt-1" and "550" in (refused.reason or "")


def seal_with_a_key_not_in_the_ring(engine: Engine, case_id: str, contact: str) -> str:
    """The case's contact as another key ring sealed it (a key since removed from this one)."""
    foreign = KeyRing({"removed-key": bytes(32)}, "removed-key")
    key_id, sealed = foreign.encrypt(contact.encode(), b"case.melder_contact")
    stored = f"{PREFIX}{key_id}:{base64.b64encode(sealed).decode()}"
    table: Any = Case.__table__
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.case_id == case_id)
            .values({table.c.melder_contact: literal(stored, String)})
        )
    return key_id


async def test_a_contact_that_cannot_be_opened_holds_back_its_message_only(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    add_case(directory, "ZK-17", "melder@example.invalid")
    add_note(directory, "ZK-17", "melder", "bericht_aan_melder", text="Dank u.")
    add_note(directory, "ZK-17", "commandant")
    key_id = seal_with_a_key_not_in_the_ring(directory, "ZK-17", "melder@example.invalid")
    add_case(directory, "ZK-18")
    add_note(directory, "ZK-18", "coid_adviseur")

    assert await _drain(Dispatcher(directory, mail_config)) == 2
    assert sorted(m.to for m in sink.received) == [["cdt@example.org"], ["coid@example.org"]]
    with Session(directory) as session:
        held = session.exec(
            select(NotificationDelivery).where(NotificationDelivery.recipient == "melder")
        ).one()
    assert held.status == "pending" and held.sent_at is None  # tried again once the key is back
    assert key_id in (held.last_error or "") and held.next_attempt_at is not None
