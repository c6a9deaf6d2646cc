"""Delivery of the notification outbox: who gets each notification, and what became of it.

Each outbox row (case_id, seq, idx) is resolved once into NotificationDelivery rows, one per
recipient. The outbox table itself is only read, and its ``sent_at`` set once every recipient
has been served; nothing is silently dropped: whoever cannot be reached is ``undeliverable``
with the reason, listed for the beheerder (API, ``sg989 doctor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, exists, type_coerce, update
from sqlmodel import Session, col, select

from domain.notifications import (
    BETROKKENE,
    MELDER,
    DeliveryStatus,
    always_immediate,
    looks_like_email,
    message_id,
    next_digest_at,
)
from domain.roles import unit_in_scope
from store.db import as_utc
from store.directory import active_people, get_person
from store.models import Case, NotificationDelivery, OutboxNotification, Person
from store.sealed import unseal

FINAL = (DeliveryStatus.sent.value, DeliveryStatus.not_mailed.value)
FAILING_AFTER = 5  # attempts: from then on a retrying delivery is listed as a problem too
NOBODY = ""


def people_for_role(people: list[Person], *, role: str, unit: str) -> list[Person]:
    """Those of ``people`` holding ``role`` with ``unit`` in scope. Unlike store.directory's
    people_holding, ``role`` may be an escalation level of the policy ("hogere_commandant")."""
    return [p for p in people if p.active and role in p.roles and unit_in_scope(unit, p.units)]


def melder_address(session: Session, case_id: str) -> str | None:
    """The melder's e-mail address, if the contact they left is one (need-to-know: send only).

    Only the contact is read and opened (not the whole case, whose other sealed fields a send
    does not need); ``KeyRingError`` if it was sealed with a key the ring does not hold."""
    stored = session.exec(select(_STORED_CONTACT).where(col(Case.case_id) == case_id)).first()
    contact = unseal(stored, _CONTACT.type.purpose) if stored else None
    return contact.strip() if contact and looks_like_email(contact) else None


_CONTACT: Any = Case.__table__.c.melder_contact  # type: ignore[attr-defined]
_STORED_CONTACT = type_coerce(_CONTACT, String)  # as stored: opened by melder_address itself


def _case_exists(session: Session, case_id: str) -> bool:
    return (
        session.exec(select(Case.case_id).where(col(Case.case_id) == case_id)).first() is not None
    )


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


@dataclass(frozen=True)
class Recipient:
    key: str  # a person's sub, "melder", or NOBODY
    address: str | None
    status: DeliveryStatus
    reason: str | None = None


def _has_address(session: Session, case_id: str) -> bool:
    from sg989.keys import KeyRingError  # the composition root owns the keys (as store.sealed)

    try:
        return melder_address(session, case_id) is not None
    except KeyRingError:  # kept pending: the send holds it back until the key is restored
        return True


def recipients(
    session: Session, row: OutboxNotification, people: list[Person] | None = None
) -> list[Recipient]:
    """``people``: the active directory, when the caller resolves many rows at once."""
    if row.recipient_role == MELDER:
        if not _case_exists(session, row.case_id) or _has_address(session, row.case_id):
            return [Recipient(MELDER, None, DeliveryStatus.pending)]
        reason = "the melder left no e-mail address (anonymous, or another kind of contact)"
        return [Recipient(MELDER, None, DeliveryStatus.not_mailed, reason)]
    if row.recipient_role == BETROKKENE:
        reason = "sg989 keeps no address of a betrokkene: inform them outside sg989 (by letter)"
        return [Recipient(BETROKKENE, None, DeliveryStatus.not_mailed, reason)]
    if row.recipient_sub:
        person = get_person(session, row.recipient_sub)
        if person is None or not person.active:
            state = "is not" if person is None else "is no longer active"
            reason = f"{row.recipient_sub} {state} in the directory"
            return [Recipient(row.recipient_sub, None, DeliveryStatus.undeliverable, reason)]
        return [_person(person, row.kind)]
    holders = people_for_role(
        active_people(session) if people is None else people,
        role=row.recipient_role,
        unit=row.recipient_unit,
    )
    if not holders:
        reason = (
            f"nobody in the directory holds the role {row.recipient_role} "
            f"for unit {row.recipient_unit}"
        )
        return [Recipient(NOBODY, None, DeliveryStatus.undeliverable, reason)]
    return [_person(person, row.kind) for person in holders]


def _person(person: Person, kind: str) -> Recipient:
    if not looks_like_email(person.email):
        reason = f"{person.sub} ({person.name}) has no valid e-mail address in the directory"
        return Recipient(person.sub, None, DeliveryStatus.undeliverable, reason)
    wait = person.delivery == "digest" and not always_immediate(kind)
    status = DeliveryStatus.digest if wait else DeliveryStatus.pending
    return Recipient(person.sub, (person.email or "").strip(), status)


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
