"""A real SMTP server (aiosmtpd) on a free localhost port, and a directory of people."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from activities.mail import MailConfig
from sg989.mail_sink import MailSink, start_sink
from store.db import session_scope
from store.models import Person
from tests.notify.api_helpers import api, key_file, settings  # noqa: F401  (fixtures)

UNIT = "CLAS/11LMB"
# sub -> (email, roles, units, delivery, active)
PEOPLE: dict[str, tuple[str | None, list[str], list[str], str, bool]] = {
    "cdt-1": ("cdt@example.org", ["commandant"], [UNIT], "direct", True),
    "coid-1": ("coid@example.org", ["coid_adviseur"], ["CLAS"], "direct", True),
    "ond-1": ("ond@example.org", ["onderzoeker"], ["CLAS"], "direct", True),
    "jur-1": ("jur@example.org", ["jurist"], ["CLAS"], "direct", True),
    "hac-1": ("hac@example.org", ["hac"], ["CLAS"], "direct", True),
    "naz-1": ("naz@example.org", ["nazorg"], ["CLAS"], "digest", True),
    "hcdt-1": ("hcdt@example.org", ["hogere_commandant"], ["CLAS"], "direct", True),
    "tl-1": ("tl@example.org", ["coid_teamleider"], ["CLAS"], "direct", True),
    "dcdt-1": ("dcdt@example.org", ["do_commandant"], ["CLAS"], "direct", True),
    "old-1": ("old@example.org", ["commandant"], [UNIT], "direct", False),
    "clsk-1": ("clsk@example.org", ["commandant", "coid_adviseur"], ["CLSK"], "direct", True),
}
MELDER = "melder@example.invalid"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    handler = MailSink(folder=tmp_path / "mail")
    port = free_port()
    controller = start_sink("127.0.0.1", port, handler)
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
def mail_config(sink: MailSink) -> MailConfig:
    return MailConfig(
        host="127.0.0.1",
        port=sink.port,  # type: ignore[attr-defined]
        starttls=False,
        username="",
        password="",
        sender="sg989@defensie.example",
        base_url="https://sg989.example",
        timeout=5.0,
    )


def seed_directory(engine: Engine) -> None:
    with session_scope(engine) as session:
        for sub, (email, roles, units, delivery, active) in PEOPLE.items():
            session.add(
                Person(
                    sub=sub,
                    name=f"Naam {sub}",
                    email=email,
                    roles=roles,
                    units=units,
                    delivery=delivery,
                    active=active,
                )
            )


@pytest.fixture
def directory(engine: Engine) -> Engine:
    seed_directory(engine)
    return engine
