"""Killing the dispatcher after the mail server accepted a message but before it was marked
sent resends that one message only, with the same Message-ID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.mail import MailConfig
from activities.notify import Dispatcher
from sg989.mail_sink import MailSink, Received
from store.models import NotificationDelivery
from tests.notify.outbox import add_case, add_note

ROOT = Path(__file__).resolve().parents[2]
ROLES = ["commandant", "coid_adviseur", "onderzoeker", "jurist", "hac", "hogere_commandant"]


async def test_a_kill_between_sending_and_marking_resends_only_that_message(
    directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    add_case(directory, "ZK-20")
    for role in ROLES:
        add_note(directory, "ZK-20", role)
    url = directory.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.notify.dispatch_child", url, str(sink.port)],  # type: ignore[attr-defined]
        cwd=ROOT,
    )
    killed = threading.Event()

    def kill_on_third(_: Received) -> None:
        if len(sink.received) == 3 and not killed.is_set():
            os.kill(child.pid, signal.SIGKILL)  # the server has the message, the sender no 250
            killed.set()

    sink.on_message = kill_on_third
    assert child.wait(timeout=60) == -signal.SIGKILL
    assert len(sink.received) == 3
    with Session(directory) as session:
        sent = session.exec(
            select(NotificationDelivery).where(NotificationDelivery.status == "sent")
        ).all()
        assert len(sent) == 2  # the third was accepted but never marked

    sink.on_message = None
    while await Dispatcher(directory, mail_config).once():
        pass

    ids = Counter(m.message_id for m in sink.received)
    assert len(ids) == len(ROLES)  # every message arrived
    assert len(sink.received) == len(ROLES) + 1  # exactly one arrived twice ...
    assert [n for n in ids.values() if n > 1] == [2]  # ... under one Message-ID
    third = sink.received[2]
    assert ids[third.message_id] == 2 and sink.received[3].message_id == third.message_id
    with Session(directory) as session:
        statuses = session.exec(select(NotificationDelivery.status)).all()
        assert set(statuses) == {"sent"} and len(statuses) == len(ROLES)
