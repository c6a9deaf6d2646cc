"""The notification dispatcher: resolves the outbox, sends e-mail, marks what was sent.

Runs as one long-lived, heartbeating activity of the NotificationDispatcher workflow. Each
message is marked sent in its own transaction right after the server accepted it: a crash in
between resends only that message, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from activities.mail import MailConfig, MailSession, PermanentMailError, TransientMailError
from domain.notifications import (
    AMSTERDAM,
    MELDER,
    DeliveryStatus,
    DispatcherInput,
    Message,
    digest_message,
    melder_message,
    message_id,
    task_message,
)
from sg989.keys import KeyRingError
from sg989.settings import Settings
from store import notifications as store
from store.db import session_scope
from store.models import NotificationDelivery
from store.recipients import melder_address

log = structlog.get_logger(__name__)
DISPATCH_NOTIFICATIONS = "dispatch_notifications"


@dataclass(frozen=True)
class Outgoing:
    ids: list[int]  # the delivery rows this message serves (several for a digest)
    message: Message | None  # None: nothing to send after all (marked not_mailed)


def _now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(self, engine: Engine, config: MailConfig, poll_seconds: float = 0.5) -> None:
        self.engine = engine
        self.config = config
        self.poll_seconds = poll_seconds
        self.heartbeat: Callable[[], None] = lambda: None

    async def run(self, seconds: float) -> int:
        """Deliver for ``seconds``; returns how many messages went out."""
        stop = time.monotonic() + seconds
        total = 0
        while time.monotonic() < stop:
            self.heartbeat()
            sent = await self.once()
            total += sent
            if not sent:
                await asyncio.sleep(self.poll_seconds)
        return total

    async def once(self, now: datetime | None = None) -> int:
        """One round: resolve new outbox rows, send what is due; returns messages accepted."""
        now = now or _now()
        outgoing = await asyncio.to_thread(self._prepare, now)
        if not outgoing:
            return 0
        sent = 0
        marking: asyncio.Future[None] | None = None  # the previous message, being marked sent
        async with MailSession(self.config) as mail:
            try:
                for i, item in enumerate(outgoing):
                    if item.message is None:
                        continue
                    self.heartbeat()  # a long batch must not look like a dead dispatcher
                    try:
                        await mail.send(item.message, before_data=marking)
                    except TransientMailError as exc:
                        rest = [d for o in outgoing[i:] if o.message is not None for d in o.ids]
                        await asyncio.to_thread(self._failed, rest, str(exc), False)
                        log.warning("mail_delayed", reason=str(exc), messages=len(rest))
                        break
                    except PermanentMailError as exc:
                        await asyncio.to_thread(self._failed, item.ids, str(exc), True)
                        log.warning("mail_refused", reason=str(exc), ids=item.ids)
                        continue
                    finally:
                        if marking is not None:
                            await marking  # done already unless sending failed before DATA
                            marking = None
                    marking = asyncio.ensure_future(asyncio.to_thread(self._sent, item.ids))
                    sent += 1
            finally:
                if marking is not None:
                    await marking
        await asyncio.to_thread(self._settle)
        return sent

    # -- store work, on a thread -------------------------------------------------------------

    def _prepare(self, now: datetime) -> list[Outgoing]:
        with session_scope(self.engine) as session:
            store.resolve_new(session, now=now, domain=self.config.domain)
        with session_scope(self.engine) as session:
            due = store.due(session, DeliveryStatus.pending, now)
            texts = store.outbox_texts(session, due)
            items = [self._single(session, d, texts) for d in due]
            items += self._digests(session, store.due(session, DeliveryStatus.digest, now), now)
        return items

    def _single(
        self, session: Session, row: NotificationDelivery, texts: dict[tuple[str, int, int], str]
    ) -> Outgoing:
        assert row.id is not None
        default = f"Er is een taak voor u in zaak {row.case_id}."
        text = texts.get((row.case_id, row.seq, row.idx), default)
        if row.recipient == MELDER:
            try:
                address = melder_address(session, row.case_id)
            except KeyRingError as exc:
                return self._unreadable(session, row, exc)
            if address is None:
                row.status = DeliveryStatus.not_mailed.value
                row.reason = "the melder left no e-mail address"
                session.add(row)
                return Outgoing([row.id], None)
            message = melder_message(
                to=address, case_id=row.case_id, kind=row.kind, text=text, mid=row.message_id
            )
        else:
            message = task_message(
                to=row.address or "",
                case_id=row.case_id,
                kind=row.kind,
                text=text,
                link=self.config.case_link(row.case_id),
                mid=row.message_id,
            )
        return Outgoing([row.id], message)

    def _unreadable(
        self, session: Session, row: NotificationDelivery, exc: KeyRingError
    ) -> Outgoing:
        """The melder's contact cannot be opened: this message waits (tried again with the
        usual backoff, in case the key is restored) and the others go out; the operator is told
        which key is missing."""
        assert row.id is not None
        store.mark_failed(session, [row.id], error=str(exc), now=_now())
        log.warning(
            "notification_unreadable", case_id=row.case_id, delivery=row.id, reason=str(exc)
        )
        return Outgoing([row.id], None)

    def _digests(
        self, session: Session, rows: list[NotificationDelivery], now: datetime
    ) -> list[Outgoing]:
        groups: dict[tuple[str, str], list[NotificationDelivery]] = {}
        for row in rows:
            groups.setdefault((row.recipient, row.address or ""), []).append(row)
        day = now.astimezone(AMSTERDAM).date().isoformat()
        result = []
        for (recipient, address), group in groups.items():
            ids = sorted(r.id for r in group if r.id is not None)
            mid = message_id("digest", recipient, *ids, domain=self.config.domain)
            items = [(r.case_id, self.config.case_link(r.case_id)) for r in group]
            result.append(Outgoing(ids, digest_message(to=address, items=items, day=day, mid=mid)))
        return result

    def _sent(self, ids: list[int]) -> None:
        with session_scope(self.engine) as session:
            store.mark_sent(session, ids, now=_now())

    def _settle(self) -> None:
        with session_scope(self.engine) as session:
            store.settle_served(session, now=_now())

    def _failed(self, ids: list[int], error: str, permanent: bool) -> None:
        with session_scope(self.engine) as session:
            store.mark_failed(session, ids, error=error, now=_now(), permanent=permanent)


class NotificationActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.dispatcher = Dispatcher(
            engine, MailConfig.from_settings(settings), settings.notify_poll_seconds
        )

    @activity.defn(name=DISPATCH_NOTIFICATIONS)
    async def dispatch_notifications(self, cfg: DispatcherInput) -> int:
        """Delivers for ``cfg.run_seconds`` while heartbeating; a crashed attempt is retried."""
        self.dispatcher.heartbeat = activity.heartbeat
        sent = await self.dispatcher.run(cfg.run_seconds)
        log.info("notifications_dispatched", messages=sent)
        return sent
