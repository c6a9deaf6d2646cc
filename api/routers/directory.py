"""The directory of people, managed by the beheerder: who holds which role where, and how
they hear of tasks. Escalation levels of the policy ("hogere_commandant") are roles here too."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel

from api.deps import SessionDep, require_roles
from api.problems import Problem
from domain.people import Delivery, PersonIn, known_roles
from store.models import Person
from store.people import (
    DirectoryError,
    DirectoryImportRejected,
    PersonExists,
    PersonNotFound,
    create_person,
    deactivate_person,
    import_people_csv,
    list_people,
    update_person,
)

BEHEERDER = Depends(require_roles("beheerder"))
router = APIRouter(prefix="/directory", tags=["directory"], dependencies=[BEHEERDER])


class PersonPublic(BaseModel):
    sub: str
    name: str
    email: str | None
    roles: list[str]
    units: list[str]
    delivery: str
    active: bool


class PersonPatch(BaseModel):
    """Only the fields to change."""

    name: str | None = None
    email: str | None = None
    roles: list[str] | None = None
    units: list[str] | None = None
    delivery: Delivery | None = None
    active: bool | None = None


def _public(person: Person) -> PersonPublic:
    return PersonPublic.model_validate(person.model_dump())


def _known(request: Request) -> set[str]:
    return known_roles(request.app.state.policy)


def _refused(exc: DirectoryError) -> Problem:
    if isinstance(exc, PersonNotFound):
        return Problem(404, str(exc))
    if isinstance(exc, PersonExists):
        return Problem(409, str(exc))
    return Problem(422, str(exc))


@router.get("/people")
def people(
    session: SessionDep, include_inactive: Annotated[bool, Query()] = False
) -> list[PersonPublic]:
    """Everyone in the directory, by name."""
    return [_public(p) for p in list_people(session, include_inactive=include_inactive)]


@router.post("/people", status_code=201)
def add_person(body: PersonIn, request: Request, session: SessionDep) -> PersonPublic:
    """Add a person (sub as in the identity provider's tokens)."""
    try:
        person = create_person(session, data=body, known=_known(request))
        session.commit()
    except DirectoryError as exc:
        raise _refused(exc) from None
    return _public(person)


@router.patch("/people/{sub}")
def change_person(
    sub: str, body: PersonPatch, request: Request, session: SessionDep
) -> PersonPublic:
    """Change some fields of a person; the result must still be a valid person."""
    changes = body.model_dump(exclude_unset=True)
    try:
        person = update_person(session, sub=sub, changes=changes, known=_known(request))
        session.commit()
    except DirectoryError as exc:
        raise _refused(exc) from None
    except ValueError as exc:  # pydantic: the merged person is not valid
        raise Problem(422, str(exc)) from None
    return _public(person)


@router.delete("/people/{sub}")
def deactivate(sub: str, session: SessionDep) -> PersonPublic:
    """Deactivate: the person stays on record but receives nothing any more."""
    try:
        person = deactivate_person(session, sub=sub)
        session.commit()
    except DirectoryError as exc:
        raise _refused(exc) from None
    return _public(person)


@router.post("/import")
def import_people(
    request: Request,
    session: SessionDep,
    text: Annotated[str, Body(media_type="text/csv")],
) -> dict[str, Any]:
    """The CSV of `sg989 directory import` as a text/csv body; any error imports nothing."""
    try:
        result = import_people_csv(session.get_bind(), text, _known(request))  # type: ignore[arg-type]
    except DirectoryImportRejected as exc:
        raise Problem(422, str(exc), errors=exc.errors) from None
    return {"added": result.added, "updated": result.updated}
