"""What the melder is told, when a digest goes out, and how Message-IDs are made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.notifications import (
    looks_like_email,
    melder_notifications,
    message_id,
    next_digest_at,
)
from domain.payloads import parse_payload
from domain.phases import TaskType


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 10, 5, 59, tzinfo=UTC), datetime(2026, 1, 10, 6, 0, tzinfo=UTC)),
        (datetime(2026, 1, 10, 6, 0, tzinfo=UTC), datetime(2026, 1, 11, 6, 0, tzinfo=UTC)),
        (datetime(2026, 7, 10, 12, 0, tzinfo=UTC), datetime(2026, 7, 11, 5, 0, tzinfo=UTC)),
        # the night summer time ends: 07:00 Amsterdam is 06:00 UTC again
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
    ],
)
def test_the_digest_goes_out_at_seven_amsterdam_time(now: datetime, expected: datetime) -> None:
    assert next_digest_at(now) == expected


def test_the_melder_hears_the_case_number_and_the_advisers_words_only() -> None:
    payload = parse_payload(
        TaskType.ontvangstbevestiging,
        {"verzonden_op": "2026-11-30", "kanaal": "email", "bericht_aan_melder": "  Dank u.  "},
    ).model_dump()
    [note] = melder_notifications("ZK-1", "CLAS/11LMB", TaskType.ontvangstbevestiging, payload)
    assert note.recipient_role == "melder"
    assert note.text == "Uw melding is ontvangen en geregistreerd onder zaaknummer ZK-1.\n\nDank u."
    feedback = parse_payload(TaskType.terugkoppeling_melder, {"verslag": "Intern verslag."})
    [note] = melder_notifications(
        "ZK-1", "CLAS/11LMB", TaskType.terugkoppeling_melder, feedback.model_dump()
    )
    assert "Intern verslag" not in note.text and "ZK-1" in note.text
    other = parse_payload(TaskType.nazorg_checkin, {"verslag": "x"}).model_dump()
    assert melder_notifications("ZK-1", "CLAS/11LMB", TaskType.nazorg_checkin, other) == []
    with pytest.raises(ValueError, match="bericht_aan_melder"):
        parse_payload(TaskType.nazorg_checkin, {"verslag": "x", "bericht_aan_melder": "y"})


def test_message_ids_depend_on_case_seq_idx_and_recipient_only() -> None:
    one = message_id("ZK-1", 3, 0, "cdt-1", domain="d.example")
    assert one == message_id("ZK-1", 3, 0, "cdt-1", domain="d.example")
    assert one != message_id("ZK-1", 3, 0, "coid-1", domain="d.example")
    assert one.startswith("<") and one.endswith("@d.example>")


@pytest.mark.parametrize(
    ("contact", "mailable"),
    [
        ("a@b.nl", True),
        (" a.b@c.example ", True),
        ("06-12345678", False),
        (None, False),
        ("Jan Jansen", False),
        ("a@b", False),
    ],
)
def test_only_an_address_is_mailed(contact: str | None, mailable: bool) -> None:
    assert looks_like_email(contact) is mailable


def test_a_busy_sink_port_is_explained() -> None:
    import socket

    from sg989.mail_sink import MailSink, start_sink

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="SG989_SMTP_PORT"):
            start_sink("127.0.0.1", port, MailSink())
