"""What a notification says and when it goes out (domain reference, section 6). No I/O.

A message carries no case content: that there is something for the recipient in case ZK-..., a
link, nothing more. The melder hears only the case number and what the adviser chose to write.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from domain.phases import TaskType
from domain.transition import Notification

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DIGEST_AT = time(7, 0)
MELDER = "melder"
BETROKKENE = "betrokkene"
# A plain check, not RFC 5322: enough to tell an address from a phone number or a name.
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class DeliveryStatus(StrEnum):
    pending = "pending"  # to be sent (again, after a failure: see attempts and last_error)
    digest = "digest"  # waits for the recipient's daily digest
    sent = "sent"
    not_mailed = "not_mailed"  # nobody to mail by design: an anonymous melder, a betrokkene
    undeliverable = "undeliverable"  # an error the beheerder must resolve


class NotificationKind(StrEnum):
    nieuwe_taak = "nieuwe_taak"
    herinnering = "herinnering"
    escalatie = "escalatie"
    termijn_verlengd = "termijn_verlengd"
    taak_overgedragen = "taak_overgedragen"
    bericht_aan_melder = "bericht_aan_melder"


MELDER_TASKS = (TaskType.ontvangstbevestiging, TaskType.terugkoppeling_melder)


def looks_like_email(contact: str | None) -> bool:
    return bool(contact and EMAIL.match(contact.strip()))


def melder_notifications(
    case_id: str, unit: str, task_type: TaskType, payload: dict[str, Any]
) -> list[Notification]:
    """The message to the melder when the adviser confirms receipt or gives feedback.

    Always queued: whether the melder can be mailed is decided when it is delivered, from the
    contact the melder left (an anonymous melder gets nothing by mail).
    """
    if task_type not in MELDER_TASKS:
        return []
    bericht = (payload.get("bericht_aan_melder") or "").strip()
    if task_type == TaskType.ontvangstbevestiging:
        text = f"Uw melding is ontvangen en geregistreerd onder zaaknummer {case_id}."
    else:
        text = f"Er is een terugkoppeling over uw melding, zaaknummer {case_id}."
    if bericht:
        text += "\n\n" + bericht
    return [
        Notification(
            recipient_role=MELDER,
            recipient_unit=unit,
            kind=NotificationKind.bericht_aan_melder,
            text=text,
        )
    ]


def always_immediate(kind: str) -> bool:
    """Only reminders may wait for a digest; escalations and everything else go at once."""
    return kind != NotificationKind.herinnering


def next_digest_at(now: datetime) -> datetime:
    """The next 07:00 in Amsterdam after ``now`` (an aware datetime), in UTC terms of ``now``."""
    local = now.astimezone(AMSTERDAM)
    at = datetime.combine(local.date(), DIGEST_AT, tzinfo=AMSTERDAM)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), DIGEST_AT, tzinfo=AMSTERDAM)
    return at.astimezone(now.tzinfo)


def message_id(*parts: object, domain: str) -> str:
    """Deterministic: a message sent twice carries the same Message-ID, so clients show it once."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


class Message(BaseModel):
    """One e-mail to one address."""

    to: str
    subject: str
    body: str
    message_id: str


def task_message(*, to: str, case_id: str, kind: str, text: str, link: str, mid: str) -> Message:
    subject = {
        NotificationKind.herinnering: f"Herinnering: taak in zaak {case_id}",
        NotificationKind.escalatie: f"Escalatie: taak over de termijn in zaak {case_id}",
    }.get(kind, f"Taak in zaak {case_id}")  # type: ignore[call-overload]
    return Message(to=to, subject=subject, body=f"{text}\n\n{link}\n", message_id=mid)


MELDER_TEXT = {
    NotificationKind.termijn_verlengd: "De termijn in zaak {case_id} over uw melding is verlengd.",
}


def melder_message(*, to: str, case_id: str, kind: str, text: str, mid: str) -> Message:
    """The adviser's own message as written; for any other kind a fixed sentence, never the
    text meant for staff ("Er is een taak voor u ...")."""
    if kind != NotificationKind.bericht_aan_melder:
        fixed = MELDER_TEXT.get(kind, "Er is nieuws in zaak {case_id} over uw melding.")  # type: ignore[call-overload]
        text = fixed.format(case_id=case_id)
    return Message(to=to, subject=f"Uw melding {case_id}", body=text + "\n", message_id=mid)


def digest_message(*, to: str, items: list[tuple[str, str]], day: str, mid: str) -> Message:
    """``items``: (case_id, link) per reminder, one line each; the same case once."""
    seen: dict[str, str] = {}
    for case_id, link in items:
        seen.setdefault(case_id, link)
    lines = [f"- zaak {case_id}: {link}" for case_id, link in sorted(seen.items())]
    body = (
        f"Herinneringen van {day}: er zijn taken voor u die bijna over de termijn zijn.\n\n"
        + "\n".join(lines)
        + "\n"
    )
    return Message(
        to=to, subject=f"Dagelijks overzicht herinneringen {day}", body=body, message_id=mid
    )


class DispatcherInput(BaseModel):
    """How the dispatcher workflow runs its long-lived, heartbeating delivery activity."""

    run_seconds: float = 3600.0  # one activity attempt delivers for this long, then returns
    heartbeat_seconds: float = 30.0  # a worker gone this long: another one takes over
    rounds_before_continue: int = 24
