"""Who a notification goes to: the melder (if they left an e-mail address that can be opened),
the person it names, or everyone in the directory holding its role for its unit; each with the
status its delivery starts in and, for whoever cannot be reached, the reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, type_coerce
from sqlmodel import Session, col, select

from domain.notifications import (
    BETROKKENE,
    MELDER,
    DeliveryStatus,
    always_immediate,
    looks_like_email,
)
from domain.roles import unit_in_scope
from store.directory import active_people, get_person
from store.models import Case, OutboxNotification, Person
from store.sealed import unseal

NOBODY = ""


def people_for_role(people: list[Person], *, role: str, unit: str) -> list[Person]:
    """Those of ``people`` holding ``role`` with ``unit`` in scope. Unlike store.directory's
    people_holding, ``role`` may be an escalation level of the policy ("hogere_commandant")."""
    return [p for p in people if p.active and role in p.roles and unit_in_scope(unit, p.units)]


def melder_address(session: Session, case_id: str) -> str | None:
    """The melder's e-mail address, if the contact they left is one (need-to-know: send only).

    Only the contact is read and opened (not the whole case, whose other sealed fields a send
    does not need); ``KeyRingError`` if it was sealed with a key the ring does not hold."""
    found = _stored_contact(session, case_id)
    return _address(found[1]) if found else None


_CONTACT: Any = Case.__table__.c.melder_contact  # type: ignore[attr-defined]
_STORED_CONTACT = type_coerce(_CONTACT, String)  # as stored: opened by _address


def _stored_contact(session: Session, case_id: str) -> tuple[str, str | None] | None:
    """The case's id and its contact as stored (sealed); None if the store has no such case.
    The id is selected too: a one-column select yields the bare value, and a case without a
    contact would then look like no case at all."""
    query = select(Case.case_id, _STORED_CONTACT).where(col(Case.case_id) == case_id)
    row = session.exec(query).first()
    return None if row is None else (row[0], row[1])


def _address(stored: str | None) -> str | None:
    contact = unseal(stored, _CONTACT.type.purpose) if stored else None
    return contact.strip() if contact and looks_like_email(contact) else None


@dataclass(frozen=True)
class Recipient:
    key: str  # a person's sub, "melder", or NOBODY
    address: str | None
    status: DeliveryStatus
    reason: str | None = None


def _melder_reachable(session: Session, case_id: str) -> bool:
    """In one query: a case the store does not show yet, or a contact that is an e-mail address
    or cannot be opened now (the send holds it back until the key is restored), is pending."""
    from sg989.keys import KeyRingError  # the composition root owns the keys (as store.sealed)

    found = _stored_contact(session, case_id)
    if found is None:
        return True
    try:
        return _address(found[1]) is not None
    except KeyRingError:
        return True


def recipients(
    session: Session, row: OutboxNotification, people: list[Person] | None = None
) -> list[Recipient]:
    """``people``: the active directory, when the caller resolves many rows at once."""
    if row.recipient_role == MELDER:
        if _melder_reachable(session, row.case_id):
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
