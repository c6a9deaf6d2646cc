"""Queries over the local directory of people (store.models.Person)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.roles import Role, unit_in_scope
from store.models import Person


def get_person(session: Session, sub: str) -> Person | None:
    return session.get(Person, sub)


def active_people(session: Session) -> list[Person]:
    return list(session.exec(select(Person).where(col(Person.active)).order_by(Person.name)).all())


def people_holding(session: Session, *, role: Role | str, unit: str) -> list[Person]:
    """Active people who hold ``role`` with ``unit`` inside one of their units."""
    wanted = Role(role).value
    return [
        person
        for person in active_people(session)
        if wanted in person.roles and unit_in_scope(unit, person.units)
    ]


def holds_role_in_scope(person: Person, *, role: Role | str, unit: str) -> bool:
    return person.active and Role(role).value in person.roles and unit_in_scope(unit, person.units)
