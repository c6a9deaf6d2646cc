"""/timeline/verify compares the chain with the case's workflow: a cut timeline is caught even
when the cutter put back an older, genuinely signed head."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.audit import verify_chain
from tests.api.helpers import Headers, Users


def _head(engine: Engine, case_id: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT seq, hash, mac FROM audithead WHERE case_id = :c"), {"c": case_id}
        ).one()
    return dict(row._mapping)


def _cut_back_to(engine: Engine, case_id: str, head: dict[str, Any]) -> None:
    """What someone with the database but not the audit key can do: drop the newest events
    and restore the head (and last_seq) as they were, seals and all."""
    params = {"c": case_id, **head}
    with engine.begin() as connection:
        for sql in (
            "DELETE FROM auditevent WHERE case_id = :c AND seq > :seq",
            "DELETE FROM auditcheckpoint WHERE case_id = :c AND seq > :seq",
            "UPDATE audithead SET seq = :seq, hash = :hash, mac = :mac WHERE case_id = :c",
            'UPDATE "case" SET last_seq = :seq WHERE case_id = :c',
        ):
            connection.execute(text(sql), params)


async def test_a_timeline_cut_back_to_an_older_signed_head_is_caught(
    api: httpx.AsyncClient, headers: Headers, engine: Engine
) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    before = _head(engine, case_id)
    keuze = {"keuze": "onderzoek_overwogen", "motivering": "Ernstig."}
    await users.complete("commandant", case_id, "keuze_afhandeling", keuze)
    url = f"/cases/{case_id}/timeline/verify"
    intact = await api.get(url, headers=headers("auditor"))
    assert intact.status_code == 200 and intact.json()["ok"] is True, intact.text

    _cut_back_to(engine, case_id, before)

    with Session(engine) as session:  # the store alone cannot tell
        assert verify_chain(session, case_id).ok
    response = await api.get(url, headers=headers("auditor"))
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["ok"] is False
    assert verdict["first_broken_seq"] == before["seq"] + 1
    assert "workflow" in verdict["reason"]


async def test_verify_still_checks_the_store_when_temporal_is_down(
    api: httpx.AsyncClient, api_without_temporal: httpx.AsyncClient, headers: Headers
) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    url = f"/cases/{case_id}/timeline/verify"
    response = await api_without_temporal.get(url, headers=headers("auditor"))
    assert response.status_code == 200, response.text
    assert response.json()["ok"] is True
    outside = await api_without_temporal.get(url, headers=headers("outsider"))
    assert outside.status_code == 404, outside.text
