"""POST /cases: validation of the melding, unit scope, and the Idempotency-Key."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from store.models import Case, CaseRegistration
from tests.api.conftest import MELDING


async def test_same_idempotency_key_gives_the_same_case(api, headers, engine) -> None:
    first = await api.post(
        "/cases", json=MELDING, headers={**headers("commandant"), "Idempotency-Key": "k-1"}
    )
    again = await api.post(
        "/cases", json=MELDING, headers={**headers("commandant"), "Idempotency-Key": "k-1"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["case_id"] == again.json()["case_id"]
    assert again.json()["created"] is False
    assert first.headers["location"] == f"/cases/{first.json()['case_id']}"
    with Session(engine) as session:
        assert len(session.exec(select(Case)).all()) == 1


async def test_concurrent_requests_with_one_key_make_one_case(api, headers, engine) -> None:
    send = [
        api.post(
            "/cases", json=MELDING, headers={**headers("coid_adviseur"), "Idempotency-Key": "k-2"}
        )
        for _ in range(3)
    ]
    responses = await asyncio.gather(*send)
    assert len({r.json()["case_id"] for r in responses}) == 1
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    with Session(engine) as session:
        assert len(session.exec(select(Case)).all()) == 1
        keyed = select(CaseRegistration).where(CaseRegistration.idempotency_key == "k-2")
        assert len(session.exec(keyed).all()) == 1


async def test_a_reused_key_with_another_melding_is_refused(api, headers) -> None:
    await api.post(
        "/cases", json=MELDING, headers={**headers("commandant"), "Idempotency-Key": "k-3"}
    )
    other = {**MELDING, "description": "Een andere melding."}
    response = await api.post(
        "/cases", json=other, headers={**headers("commandant"), "Idempotency-Key": "k-3"}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Idempotency-Key reused"
    assert "different melding" in response.json()["detail"]


async def test_a_read_right_after_registration_finds_the_case_and_its_first_tasks(
    api, headers
) -> None:
    created = await api.post("/cases", json=MELDING, headers=headers("commandant"))
    case = await api.get(f"/cases/{created.json()['case_id']}", headers=headers("coid_adviseur"))
    assert case.status_code == 200
    assert case.json()["phase"] == "intake"
    assert {t["task_type"] for t in case.json()["open_tasks"]} == {
        "ontvangstbevestiging",
        "intake_contact",
    }


async def test_a_bad_melding_lists_each_field_and_creates_nothing(api, headers, engine) -> None:
    bad = {**MELDING, "category": "diefstal", "betrokkenen": ["Jan de Vries"], "description": ""}
    response = await api.post("/cases", json=bad, headers=headers("commandant"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"body.category", "body.betrokkenen", "body.description"}
    names = next(e for e in problem["errors"] if e["field"] == "body.betrokkenen")
    assert "never a name" in names["message"]
    with Session(engine) as session:
        mine = select(CaseRegistration).where(CaseRegistration.requested_by == "cdt-1")
        assert session.exec(mine).all() == []


async def test_overig_needs_a_toelichting(api, headers) -> None:
    response = await api.post(
        "/cases", json={**MELDING, "category": "overig"}, headers=headers("commandant")
    )
    assert response.status_code == 422
    assert "category_toelichting" in response.json()["errors"][0]["message"]


async def test_a_commandant_registers_only_for_units_under_command(api, headers) -> None:
    elsewhere = {**MELDING, "unit": "CLAS/13LTBRIG"}
    response = await api.post("/cases", json=elsewhere, headers=headers("commandant"))
    assert response.status_code == 403
    assert "outside your units" in response.json()["detail"]
