"""Delivery of the notification outbox: who gets each notification, and what became of it.

Each outbox row (case_id, seq, idx) is resolved once into NotificationDelivery rows, one per
recipient. The outbox table itself is only read, and its ``sent_at`` set once every recipient
has been served; nothing is silently dropped: whoever cannot be reached is ``undeliverable``
with the reason, listed for the beheerder (API, ``sg989 doctor``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, update
from sqlmodel import Session, col, select

from domain.notifications import (
    DeliveryStatus,
    message_id,
    next_digest_at,
)
from store.db import as_utc
from store.directory import active_people
from store.models import NotificationDelivery, OutboxNotification, Person
from store.recipients import recipients

FINAL = (DeliveryStatus.sent.value, DeliveryStatus.not_mailed.value)
FAILING_AFTER = 5  # attempts: from then on a retrying delivery is listed as a problem too


# -- resolving outbox rows into deliveries ------------------------------------------------------


def unresolved_outbox(session: Session, limit: int = 500) -> list[OutboxNotification]:
    resolved = exists().where(
        and_(
            col(NotificationDelivery.case_id) == col(OutboxNotification.case_id),
            col(NotificationDelivery.seq) == col(OutboxNotification.seq),
            col(NotificationDelivery.idx) == col(OutboxNotification.idx),
        )
    )
    query = (
        select(OutboxNotification)
        .where(col(OutboxNotification.sent_at).is_(None), ~resolved)
        .order_by(col(OutboxNotification.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


def resolve(
    session: Session,
    row: OutboxNotification,
    *,
    now: datetime,
    domain: str,
    people: list[Person] | None = None,
) -> int:
    """Create the delivery rows of one outbox row that do not exist yet; returns how many."""
    existing = {
        d.recipient
        for d in session.exec(
            select(NotificationDelivery).where(
                NotificationDelivery.case_id == row.case_id,
                NotificationDelivery.seq == row.seq,
                NotificationDelivery.idx == row.idx,
            )
        ).all()
    }
    added = 0
    for r in recipients(session, row, people):
        if r.key in existing:
            continue
        due = next_digest_at(now) if r.status == DeliveryStatus.digest else now
        session.add(
            NotificationDelivery(
                case_id=row.case_id,
                seq=row.seq,
                idx=row.idx,
                recipient=r.key,
                kind=row.kind,
                address=r.address,
                status=r.status.value,
                reason=r.reason,
                message_id=message_id(row.case_id, row.seq, row.idx, r.key, domain=domain),
                created_at=now,
                next_attempt_at=due,
            )
        )
        added += 1
    return added


def resolve_new(session: Session, *, now: datetime, domain: str) -> int:
    rows = unresolved_outbox(session)
    people = active_people(session) if rows else []
    for row in rows:
        resolve(session, row, now=now, domain=domain, people=people)
    if rows:
        session.flush()
        settle_served(session, now=now)
    return len(rows)


# -- sending state -------------------------------------------------------------------------------


def due(
    session: Session, status: DeliveryStatus, now: datetime, limit: int = 200
) -> list[NotificationDelivery]:
    query = (
        select(NotificationDelivery)
        .where(
            NotificationDelivery.status == status.value,
            col(NotificationDelivery.next_attempt_at) <= now,
        )
        .order_by(col(NotificationDelivery.next_attempt_at), col(NotificationDelivery.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


def outbox_texts(
    session: Session, rows: list[NotificationDelivery]
) -> dict[tuple[str, int, int], str]:
    """The text of each delivery's outbox row, in one query per batch."""
    cases = {row.case_id for row in rows}
    if not cases:
        return {}
    found = session.exec(
        select(OutboxNotification).where(col(OutboxNotification.case_id).in_(cases))
    ).all()
    wanted = {(row.case_id, row.seq, row.idx) for row in rows}
    return {key: o.text for o in found if (key := (o.case_id, o.seq, o.idx)) in wanted}


def mark_sent(session: Session, ids: list[int], *, now: datetime) -> None:
    """One UPDATE, nothing read: called right after the server accepted each message."""
    session.execute(
        update(NotificationDelivery)
        .where(col(NotificationDelivery.id).in_(ids))
        .values(status=DeliveryStatus.sent.value, sent_at=now, last_error=None)
    )


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds, at most 15 minutes between attempts."""
    return timedelta(seconds=min(2 ** max(attempts, 1), 900))


def mark_failed(
    session: Session, ids: list[int], *, error: str, now: datetime, permanent: bool = False
) -> None:
    rows = session.exec(select(NotificationDelivery).where(col(NotificationDelivery.id).in_(ids)))
    for row in rows.all():
        row.attempts += 1
        row.last_error = error[:1000]
        if permanent:
            row.status = DeliveryStatus.undeliverable.value
            row.reason = f"the mail server refused the message: {error[:500]}"
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        session.add(row)


def settle_served(session: Session, *, now: datetime, limit: int = 1000) -> int:
    """Mark sent the outbox rows whose every recipient has been served; returns how many."""
    open_delivery = exists().where(
        and_(
            col(NotificationDelivery.case_id) == col(OutboxNotification.case_id),
            col(NotificationDelivery.seq) == col(OutboxNotification.seq),
            col(NotificationDelivery.idx) == col(OutboxNotification.idx),
            col(NotificationDelivery.status).not_in(FINAL),
        )
    )
    any_delivery = exists().where(
        and_(
            col(NotificationDelivery.case_id) == col(OutboxNotification.case_id),
            col(NotificationDelivery.seq) == col(OutboxNotification.seq),
            col(NotificationDelivery.idx) == col(OutboxNotification.idx),
        )
    )
    rows = session.exec(
        select(OutboxNotification)
        .where(col(OutboxNotification.sent_at).is_(None), any_delivery, ~open_delivery)
        .limit(limit)
    ).all()
    for row in rows:
        row.sent_at = now
        session.add(row)
    return len(rows)


# -- what the beheerder sees ---------------------------------------------------------------------


def undeliverable(session: Session) -> list[NotificationDelivery]:
    """Every notification that did not reach its recipient and will not without help: nobody
    to send it to, no address, refused by the mail server, or failing for a while."""
    problem = col(NotificationDelivery.status) == DeliveryStatus.undeliverable.value
    failing = and_(
        col(NotificationDelivery.status).in_(
            [DeliveryStatus.pending.value, DeliveryStatus.digest.value]
        ),
        col(NotificationDelivery.attempts) >= FAILING_AFTER,
    )
    query = select(NotificationDelivery).where(problem | failing)
    return list(session.exec(query.order_by(col(NotificationDelivery.id))).all())


def retry_undeliverable(session: Session, *, now: datetime, domain: str) -> int:
    """Resolve undeliverable notifications again (after the directory was fixed); returns how
    many outbox rows were looked at again."""
    rows = session.exec(
        select(NotificationDelivery).where(
            NotificationDelivery.status == DeliveryStatus.undeliverable.value
        )
    ).all()
    keys = {(r.case_id, r.seq, r.idx) for r in rows}
    for row in rows:
        session.delete(row)
    session.flush()
    for case_id, seq, idx in keys:
        outbox = session.exec(
            select(OutboxNotification).where(
                OutboxNotification.case_id == case_id,
                OutboxNotification.seq == seq,
                OutboxNotification.idx == idx,
            )
        ).first()
        if outbox is not None:
            resolve(session, outbox, now=now, domain=domain)
    return len(keys)


def notifications_for(
    session: Session, sub: str, *, now: datetime, limit: int = 100
) -> list[NotificationDelivery]:
    """The person's notifications, newest first; those not read before are marked read now.

    The returned rows keep ``read_at`` as it was before this call, so a caller sees which are new.
    """
    rows = list(
        session.exec(
            select(NotificationDelivery)
            .where(NotificationDelivery.recipient == sub)
            .order_by(col(NotificationDelivery.id).desc())
            .limit(limit)
        ).all()
    )
    result = [row.model_copy() for row in rows]
    for row in rows:
        if row.read_at is None:
            row.read_at = now
            session.add(row)
    return result


def utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment)
