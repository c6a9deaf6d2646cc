"""The beheerder manages the directory through the API; tokens keep e-mail addresses current."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sg989.settings import Settings
from store.models import Person
from tests.notify.api_helpers import auth

ALICE: dict[str, Any] = {
    "sub": "alice",
    "name": "Kolonel A. de Vries",
    "email": "a.devries@example.org",
    "roles": ["commandant", "hogere_commandant"],
    "units": ["CLAS/11LMB"],
}


async def test_the_beheerder_adds_lists_changes_and_deactivates_people(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    h = auth(settings)
    created = await api.post("/directory/people", json=ALICE, headers=h)
    assert created.status_code == 201, created.text
    assert created.json()["delivery"] == "direct"

    again = await api.post("/directory/people", json=ALICE, headers=h)
    assert again.status_code == 409 and "already" in again.json()["detail"]

    changed = await api.patch("/directory/people/alice", json={"delivery": "digest"}, headers=h)
    assert changed.status_code == 200 and changed.json()["delivery"] == "digest"
    assert changed.json()["roles"] == ALICE["roles"]

    listed = await api.get("/directory/people", headers=h)
    assert [p["sub"] for p in listed.json()] == ["alice"]

    gone = await api.delete("/directory/people/alice", headers=h)
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert (await api.get("/directory/people", headers=h)).json() == []
    everyone = await api.get("/directory/people?include_inactive=true", headers=h)
    assert [p["sub"] for p in everyone.json()] == ["alice"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"roles": ["generaal"]}, "unknown role generaal"),
        ({"email": "geen adres"}, "not an e-mail address"),
        ({"units": ["MARS/1"]}, "defensieonderdeel"),
        ({"delivery": "weekly"}, "delivery"),
    ],
)
async def test_a_bad_person_is_refused_with_the_reason(
    api: httpx.AsyncClient, settings: Settings, change: dict[str, Any], words: str
) -> None:
    response = await api.post("/directory/people", json={**ALICE, **change}, headers=auth(settings))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.text


async def test_only_the_beheerder_manages_the_directory(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    commandant = {"sub": "cdt-1", "roles": ["commandant"], "units": ["CLAS"]}
    response = await api.get("/directory/people", headers=auth(settings, commandant))
    assert response.status_code == 403
    missing = await api.patch(
        "/directory/people/nobody", json={"name": "x"}, headers=auth(settings)
    )
    assert missing.status_code == 404


async def test_an_email_claim_updates_the_persons_address(
    api: httpx.AsyncClient, settings: Settings, engine: Engine
) -> None:
    await api.post("/directory/people", json=ALICE, headers=auth(settings))
    alice = {"sub": "alice", "roles": ["commandant"], "units": ["CLAS/11LMB"]}
    response = await api.get("/tasks", headers=auth(settings, alice, email="alice@new.example"))
    assert response.status_code == 200
    newcomer = {"sub": "bob", "roles": ["jurist"], "units": ["CLAS"]}
    await api.get("/tasks", headers=auth(settings, newcomer, email="bob@example.org"))
    with Session(engine) as session:
        stored = session.get(Person, "alice")
        assert stored is not None and stored.email == "alice@new.example"
        assert stored.roles == ALICE["roles"]  # the directory's roles stay the beheerder's
        bob = session.get(Person, "bob")
        assert bob is not None and bob.email == "bob@example.org" and bob.roles == ["jurist"]


async def test_import_over_the_api_reports_every_error(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    body = "sub,name,roles,units\nx,X,commandant,CLAS\ny,,generaal,CLAS\n"
    response = await api.post(
        "/directory/import", content=body, headers={**auth(settings), "Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e.startswith("line 3: name") for e in errors)
    assert (await api.get("/directory/people", headers=auth(settings))).json() == []

    good = "sub,name,email,roles,units\nx,X,x@example.org,commandant;hogere_commandant,CLAS\n"
    response = await api.post(
        "/directory/import", content=good, headers={**auth(settings), "Content-Type": "text/csv"}
    )
    assert response.status_code == 200 and response.json() == {"added": 1, "updated": 0}
    [person] = (await api.get("/directory/people", headers=auth(settings))).json()
    assert person["roles"] == ["commandant", "hogere_commandant"]
