"""A completion repeated with its Idempotency-Key (lost answer, other replica) is one Update."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import AuditEvent
from tests.api.helpers import Users

Headers = Callable[[str], dict[str, str]]
RECEIPT = {"verzonden_op": "2026-11-30", "kanaal": "email"}


def completions(engine: Engine, case_id: str) -> int:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent.id).where(
                AuditEvent.case_id == case_id, col(AuditEvent.event_type) == "taak_afgerond"
            )
        ).all()
    return len(rows)


async def test_a_repeat_with_the_same_key_answers_the_first_result_and_applies_once(
    api: httpx.AsyncClient, headers: Headers, engine: Engine
) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    task = await users.task("coid_adviseur", case_id, "ontvangstbevestiging")
    url = f"/tasks/{task['task_id']}/complete"
    keyed = {**headers("coid_adviseur"), "Idempotency-Key": "retry-me-1"}

    first = await api.post(url, json=RECEIPT, headers=keyed)
    again = await api.post(url, json=RECEIPT, headers=keyed)

    assert first.status_code == 200, first.text
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert completions(engine, case_id) == 1


async def test_a_repeat_without_the_key_or_with_another_key_is_a_conflict(
    api: httpx.AsyncClient, headers: Headers, engine: Engine
) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    task = await users.task("coid_adviseur", case_id, "ontvangstbevestiging")
    url = f"/tasks/{task['task_id']}/complete"
    done = await api.post(
        url, json=RECEIPT, headers={**headers("coid_adviseur"), "Idempotency-Key": "a"}
    )
    assert done.status_code == 200, done.text

    plain = await api.post(url, json=RECEIPT, headers=headers("coid_adviseur"))
    other = await api.post(
        url, json=RECEIPT, headers={**headers("coid_adviseur"), "Idempotency-Key": "b"}
    )

    assert plain.status_code == 409, plain.text
    assert other.status_code == 409, other.text
    assert other.headers["content-type"] == "application/problem+json"
    assert completions(engine, case_id) == 1


async def test_an_empty_key_is_a_bad_request(api: httpx.AsyncClient, headers: Headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    task = await users.task("coid_adviseur", case_id, "ontvangstbevestiging")
    response = await api.post(
        f"/tasks/{task['task_id']}/complete",
        json=RECEIPT,
        headers={**headers("coid_adviseur"), "Idempotency-Key": " "},
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
