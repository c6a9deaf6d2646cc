"""Inputs that froze a case or answered 500 before: each is a 4xx now, and the case still works.

The extension date and the NUL character passed the Update's validator and then failed the
projection activity on every retry, so the case never moved again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import MELDING
from tests.api.helpers import Users

ONTVANGST = {"verzonden_op": "2026-11-30", "kanaal": "email"}


async def test_a_date_that_overflows_is_refused_and_the_case_goes_on(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    task = await users.task("commandant", case_id, "keuze_afhandeling")
    url = f"/tasks/{task['task_id']}/extend"
    for new_due_at in ("9999-12-31T23:59:59-23:59", "9999-01-01T00:00:00Z"):
        response = await api.post(
            url, json={"new_due_at": new_due_at, "reason": "x"}, headers=headers("commandant")
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    too_far = (datetime.now(UTC) + timedelta(days=800)).isoformat()
    response = await api.post(
        url, json={"new_due_at": too_far, "reason": "x"}, headers=headers("commandant")
    )
    assert response.status_code == 422 and "at the latest" in response.json()["detail"]

    keuze = {"keuze": "onderzoek_overwogen", "motivering": "Ernstig."}
    await users.complete("commandant", case_id, "keuze_afhandeling", keuze)
    assert (await users.case("commandant", case_id))["phase"] == "weging"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "Een melding\x00 met NUL"}, "body.description"),
        ({"description": "x" * 20_001}, "body.description"),
        ({"melder_contact": "melder\x07@example.invalid"}, "body.melder_contact"),
        ({"unit": "CLAS/11LMBB"}, "body.unit"),
    ],
    ids=["nul", "too-long", "control-character", "unknown-unit"],
)
async def test_a_melding_the_store_could_not_hold_is_refused(api, headers, changes, field) -> None:
    response = await api.post("/cases", json={**MELDING, **changes}, headers=headers("commandant"))
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert (await api.get("/cases", headers=headers("commandant"))).json()["items"] == []


async def test_an_unknown_unit_names_the_close_matches(api, headers) -> None:
    response = await api.post(
        "/cases", json={**MELDING, "unit": "clas/11lmbb"}, headers=headers("commandant")
    )
    assert response.json()["close_matches"][0] == "CLAS/11LMB"
    assert "did you mean CLAS/11LMB" in response.json()["detail"]


async def test_a_unit_is_stored_as_the_organisation_spells_it(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register(unit="clas/11lmb")
    assert (await users.case("commandant", case_id))["unit"] == "CLAS/11LMB"


async def test_task_payloads_are_bounded_too(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    task = await users.task("coid_adviseur", case_id, "ontvangstbevestiging")
    url = f"/tasks/{task['task_id']}/complete"
    for bad in (
        {**ONTVANGST, "verzonden_op": "9999-12-31"},
        {**ONTVANGST, "kanaal": "email\x00"},
    ):
        response = await api.post(url, json=bad, headers=headers("coid_adviseur"))
        assert response.status_code == 422, response.text
    wrong_type = {**ONTVANGST, "task_type": "weging"}
    response = await api.post(url, json=wrong_type, headers=headers("coid_adviseur"))
    assert response.status_code == 422 and "ontvangstbevestiging" in response.json()["detail"]
    right_type = {**ONTVANGST, "task_type": "ontvangstbevestiging"}
    response = await api.post(url, json=right_type, headers=headers("coid_adviseur"))
    assert response.status_code == 200, response.text


async def test_a_body_over_the_limit_is_413(api, headers) -> None:
    huge = {**MELDING, "description": "x" * 2_000_000}
    response = await api.post("/cases", json=huge, headers=headers("commandant"))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "larger than" in response.json()["detail"]


@pytest.mark.parametrize("key", ["", "   ", "k" * 201, "sleutel met spaties"])
async def test_a_bad_idempotency_key_is_400(api, headers, key) -> None:
    response = await api.post(
        "/cases", json=MELDING, headers={**headers("commandant"), "Idempotency-Key": key}
    )
    assert response.status_code == 400, response.text
    assert "Idempotency-Key" in response.json()["detail"]


async def test_idempotency_keys_are_scoped_per_person(api, headers) -> None:
    mine = await api.post(
        "/cases", json=MELDING, headers={**headers("commandant"), "Idempotency-Key": "k-7"}
    )
    theirs = await api.post(
        "/cases", json=MELDING, headers={**headers("coid_adviseur"), "Idempotency-Key": "k-7"}
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["case_id"] != theirs.json()["case_id"]


async def test_an_unexpected_error_is_problem_json_with_the_request_id(
    api, headers, monkeypatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("api.routers.tasks.inbox_page", broken)
    response = await api.get(
        "/tasks", headers={**headers("coid_adviseur"), "X-Request-ID": "req-42"}
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["request_id"] == "req-42" and "req-42" in body["detail"]
    assert "secret internals" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("address", ["/cases?unit=CLAS%00", "/cases?%00=x", "/cases/ZK-1%00"])
async def test_a_control_character_in_the_address_is_400(api, headers, address) -> None:
    """PostgreSQL refuses NUL in text: a filter or an id holding one was a 500 there."""
    response = await api.get(address, headers=headers("commandant"))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "U+0000" in response.json()["detail"]
