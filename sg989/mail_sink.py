"""A local SMTP sink (aiosmtpd): keeps every message it receives as an .eml file.

`sg989 up` starts it on the embedded default, so a newcomer sees the mail that a real deployment
would send; the tests use it as the real SMTP server they deliver to.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    to: list[str]
    message: EmailMessage
    path: Path | None

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        text = part.get_content() if part is not None else ""
        return str(text).replace("\r\n", "\n")


@dataclass
class MailSink:
    """The aiosmtpd handler: stores each message under ``folder`` (if given) and in memory."""

    folder: Path | None = None
    on_message: Callable[[Received], None] | None = None
    refuse: bool = False  # answer 451 to every message (a server in trouble)
    unknown: set[str] = field(default_factory=set)  # addresses answered with 550
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return "451 Requested action aborted: local problem in processing"
        raw: bytes = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        path = self._store(raw, message) if self.folder else None
        item = Received(to=list(envelope.rcpt_tos), message=message, path=path)
        with self.lock:
            self.received.append(item)
        if self.on_message is not None:
            self.on_message(item)
        if path is not None:
            print(f"mail to {', '.join(item.to)} stored in {path}", flush=True)
        return "250 Message accepted for delivery"

    def _store(self, raw: bytes, message: EmailMessage) -> Path:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        ident = re.sub(r"[^A-Za-z0-9]", "", str(message["Message-ID"] or ""))[:16]
        path = self.folder / f"{stamp}-{ident}.eml"
        path.write_bytes(raw)
        return path


def start_sink(host: str, port: int, sink: MailSink) -> Controller:
    """Serve ``sink`` on host:port in a thread of its own; call ``.stop()`` to end it."""
    controller = Controller(sink, hostname=host, port=port)
    try:
        controller.start()
    except OSError as exc:
        raise RuntimeError(
            f"the local SMTP sink cannot listen on {host}:{port} ({exc.strerror or exc}): "
            "set SG989_SMTP_PORT to a free port, or SG989_SMTP_SINK=false when a mail server "
            "already listens there"
        ) from None
    return controller
