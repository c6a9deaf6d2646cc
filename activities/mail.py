"""Sending one e-mail over SMTP (aiosmtplib), configured by SG989_SMTP_*."""

from __future__ import annotations

import contextlib
import email.policy
from collections.abc import Awaitable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from domain.notifications import Message
from sg989.settings import Settings


class PermanentMailError(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


class TransientMailError(Exception):
    """The server cannot be reached or answered 4xx: try again later."""


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    starttls: bool
    username: str
    password: str
    sender: str
    base_url: str
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MailConfig:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            sender=settings.smtp_from,
            base_url=settings.public_base_url.rstrip("/")
            or f"http://{settings.api_host}:{settings.api_port}",
        )

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "sg989.local"

    def case_link(self, case_id: str) -> str:
        return f"{self.base_url}/cases/{case_id}"


def to_email(config: MailConfig, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    return mail


class MailSession:
    """One SMTP connection for a batch of messages; reconnects when the server dropped it."""

    def __init__(self, config: MailConfig) -> None:
        self.config = config
        self._smtp: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> MailSession:
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            with contextlib.suppress(Exception):
                await self._smtp.quit()
        self._smtp = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is None or not self._smtp.is_connected:
            c = self.config
            smtp = aiosmtplib.SMTP(
                hostname=c.host, port=c.port, start_tls=c.starttls, timeout=c.timeout
            )
            await smtp.connect()
            if c.username:
                await smtp.login(c.username, c.password)
            self._smtp = smtp
        return self._smtp

    async def send(self, message: Message, before_data: Awaitable[None] | None = None) -> None:
        """Deliver ``message``; raises PermanentMailError or TransientMailError with the reason.

        ``before_data`` (the previous message being marked sent) is awaited after the envelope
        and before the message itself: the two overlap, yet the server never holds two
        messages whose sending is not recorded.
        """
        try:
            smtp = await self._connected()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Refused at connect or login (also 5xx: a wrong password): configuration, not the
            # message. Retried with backoff and listed as failing once it persists.
            self._smtp = None
            raise TransientMailError(
                f"mail server {self.config.host}:{self.config.port} not usable: {exc}"
            ) from None
        mail = to_email(self.config, message)
        try:
            await smtp.mail(self.config.sender)
            await smtp.rcpt(message.to)
            if before_data is not None:
                await before_data
            await smtp.data(mail.as_bytes(policy=email.policy.SMTP))
        except aiosmtplib.SMTPResponseException as exc:
            reason = f"{exc.code} {exc.message}"
            if exc.code < 500:
                self._smtp = None
                raise TransientMailError(reason) from None
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await smtp.rset()  # this message is refused; the connection serves the next
            raise PermanentMailError(reason) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self._smtp = None
            raise TransientMailError(
                f"mail server {self.config.host}:{self.config.port} not reachable: {exc}"
            ) from None
