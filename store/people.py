"""Managing the directory of people: the beheerder's API, the CSV import, the token's claims."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.people import PersonFields, PersonIn, unknown_roles
from store.db import session_scope
from store.models import Person

CSV_COLUMNS = ("sub", "name", "email", "roles", "units", "delivery", "active")
TRUE = {"ja", "yes", "true", "1", ""}
FALSE = {"nee", "no", "false", "0"}


class DirectoryError(ValueError):
    """A request the directory refuses; the message says why."""


class PersonExists(DirectoryError):
    pass


class PersonNotFound(DirectoryError):
    pass


def _check_roles(roles: list[str], known: set[str]) -> None:
    unknown = unknown_roles(roles, known)
    if unknown:
        raise DirectoryError(
            f"unknown role {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )


def list_people(session: Session, *, include_inactive: bool = False) -> list[Person]:
    query = select(Person).order_by(col(Person.name), col(Person.sub))
    if not include_inactive:
        query = query.where(col(Person.active))
    return list(session.exec(query).all())


def create_person(session: Session, *, data: PersonIn, known: set[str]) -> Person:
    _check_roles(data.roles, known)
    if session.get(Person, data.sub) is not None:
        raise PersonExists(f"{data.sub} is already in the directory; change it with PATCH")
    person = Person(**data.model_dump())
    session.add(person)
    return person


def update_person(
    session: Session, *, sub: str, changes: dict[str, Any], known: set[str]
) -> Person:
    person = session.get(Person, sub)
    if person is None:
        raise PersonNotFound(f"{sub} is not in the directory")
    merged = PersonFields.model_validate(
        {**person.model_dump(exclude={"sub"}), **changes}
    )  # the whole person is valid after the change, not just the changed fields
    _check_roles(merged.roles, known)
    for name, value in merged.model_dump().items():
        setattr(person, name, value)
    session.add(person)
    return person


def deactivate_person(session: Session, *, sub: str) -> Person:
    """Kept for the record (tasks and timelines name them); receives nothing any more."""
    person = session.get(Person, sub)
    if person is None:
        raise PersonNotFound(f"{sub} is not in the directory")
    person.active = False
    session.add(person)
    return person


# -- the identity provider's claims -------------------------------------------------------------


def remember_claims(
    session: Session, *, sub: str, name: str, email: str, roles: list[str], units: list[str]
) -> bool:
    """An ``email`` claim keeps the directory's address current; someone unknown to the
    directory is added with the roles and units of their token. True if anything changed."""
    person = session.get(Person, sub)
    if person is None:
        session.add(Person(sub=sub, name=name or sub, email=email, roles=roles, units=units))
        return True
    if person.email == email:
        return False
    person.email = email
    session.add(person)
    return True


# -- CSV import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryImport:
    added: int
    updated: int


class DirectoryImportRejected(DirectoryError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s); nothing imported")
        self.errors = errors


def _split(cell: str) -> list[str]:
    return [part for part in cell.replace(",", ";").replace(" ", ";").split(";") if part]


def _row(line: int, cells: dict[str, str], known: set[str]) -> tuple[PersonIn | None, list[str]]:
    active = cells.get("active", "").strip().lower()
    if active not in TRUE | FALSE:
        return None, [f"line {line}: active must be ja or nee, not '{cells['active']}'"]
    raw = {
        "sub": cells.get("sub", ""),
        "name": cells.get("name", ""),
        "email": cells.get("email") or None,
        "roles": _split(cells.get("roles", "")),
        "units": _split(cells.get("units", "")),
        "delivery": (cells.get("delivery") or "direct").strip().lower(),
        "active": active in TRUE,
    }
    try:
        person = PersonIn.model_validate(raw)
    except ValidationError as exc:
        return None, [
            f"line {line}: {'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}"
            for e in exc.errors()
        ]
    unknown = unknown_roles(person.roles, known)
    if unknown:
        return None, [f"line {line}: unknown role {', '.join(unknown)}"]
    return person, []


def parse_people_csv(text: str, known: set[str]) -> list[PersonIn]:
    """Every row validated first; raises DirectoryImportRejected with every error by line."""
    lines = [
        (n, line)
        for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise DirectoryImportRejected(["the file is empty: expected a header line and rows"])
    header = [h.strip().lower() for h in next(csv.reader([lines[0][1]]))]
    missing = [c for c in ("sub", "name", "roles", "units") if c not in header]
    extra = [h for h in header if h not in CSV_COLUMNS]
    if missing or extra:
        problems = [f"missing column {c}" for c in missing] + [f"unknown column {h}" for h in extra]
        raise DirectoryImportRejected([f"line {lines[0][0]}: {'; '.join(problems)}"])
    people: list[PersonIn] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for n, line in lines[1:]:
        values = next(csv.reader(io.StringIO(line)))
        if len(values) != len(header):
            errors.append(f"line {n}: {len(values)} cells, the header has {len(header)}")
            continue
        person, problems = _row(
            n, dict(zip(header, (v.strip() for v in values), strict=True)), known
        )
        errors += problems
        if person is None:
            continue
        if person.sub in seen:
            errors.append(f"line {n}: {person.sub} is listed already on line {seen[person.sub]}")
            continue
        seen[person.sub] = n
        people.append(person)
    if errors:
        raise DirectoryImportRejected(errors)
    return people


def import_people_csv(engine: Engine, text: str, known: set[str]) -> DirectoryImport:
    """Adds the people new to the directory and updates the others, in one transaction."""
    people = parse_people_csv(text, known)
    added = updated = 0
    with session_scope(engine) as session:
        for data in people:
            person = session.get(Person, data.sub)
            if person is None:
                session.add(Person(**data.model_dump()))
                added += 1
                continue
            for name, value in data.model_dump(exclude={"sub"}).items():
                setattr(person, name, value)
            session.add(person)
            updated += 1
    return DirectoryImport(added=added, updated=updated)
