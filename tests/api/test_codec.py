"""The codec endpoint: the Temporal UI shows clear text only to the case's COID adviser."""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format
from sqlmodel import Session, select
from temporalio.api.common.v1 import Payload

from store.models import AccessLog
from tests.api.conftest import MELDING
from tests.api.helpers import Users

UI = "http://127.0.0.1:8233"

REGISTRAR = "Test commandant"  # the name tests/api/conftest.py puts in the token


async def start_payloads(api, headers, dev_worker) -> tuple[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    case_id = await Users(api, headers).register()
    history = await dev_worker.client.get_workflow_handle(case_id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    return case_id, [json_format.MessageToDict(p) for p in started.input.payloads]


async def decode(api, headers, who: str, payloads: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return await api.post(
        "/codec/decode",
        json={"payloads": payloads},
        headers={**headers(who), "Origin": UI, "X-Namespace": "default"},
    )


def clear_text(response) -> str:  # type: ignore[no-untyped-def]
    payloads = response.json()["payloads"]
    return "".join(json_format.ParseDict(p, Payload()).data.decode() for p in payloads)


async def test_the_case_adviser_reads_clear_text_and_the_decode_is_logged(
    api, headers, dev_worker, engine
) -> None:
    case_id, payloads = await start_payloads(api, headers, dev_worker)
    # The melder's contact never enters history at all; the registrar's name does, sealed.
    assert MELDING["melder_contact"] not in json.dumps(payloads)
    assert REGISTRAR not in json.dumps(payloads)

    response = await decode(api, headers, "coid_adviseur", payloads)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI
    assert REGISTRAR in clear_text(response)
    assert MELDING["melder_contact"] not in clear_text(response)
    with Session(engine) as session:
        rows = session.exec(select(AccessLog).where(AccessLog.action.startswith("decode"))).all()
    assert [(r.case_id, r.sub, r.action) for r in rows] == [(case_id, "coid-1", "decode")]


async def test_other_roles_and_other_units_get_the_payloads_back_still_encrypted(
    api, headers, dev_worker, engine
) -> None:
    case_id, payloads = await start_payloads(api, headers, dev_worker)
    for who in ("commandant", "auditor", "outsider"):
        response = await decode(api, headers, who, payloads)
        assert response.status_code == 200
        assert response.json()["payloads"] == payloads, who
    with Session(engine) as session:
        rows = session.exec(select(AccessLog).where(AccessLog.action.startswith("decode"))).all()
    assert {(r.sub, r.action) for r in rows} == {
        ("cdt-1", "decode_denied"),
        ("aud-1", "decode_denied"),
        ("cdt-9", "decode_denied"),
    }


async def test_without_a_token_nothing_is_decoded(api, headers, dev_worker) -> None:
    _, payloads = await start_payloads(api, headers, dev_worker)
    response = await api.post("/codec/decode", json={"payloads": payloads}, headers={"Origin": UI})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == UI
    assert "bearer token" in response.json()["detail"]


async def test_the_ui_origin_may_call_and_others_may_not(api) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = await api.options("/codec/decode", headers={"Origin": UI, **preflight})
    foreign = await api.options(
        "/codec/decode", headers={"Origin": "http://evil.example", **preflight}
    )
    assert allowed.status_code == 204
    assert "Authorization" in allowed.headers["access-control-allow-headers"]
    assert "access-control-allow-origin" not in foreign.headers


async def test_encode_seals_what_decode_opens(api, headers) -> None:
    plain = {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "IkJUUi0xIg=="}
    sealed = await api.post(
        "/codec/encode", json={"payloads": [plain]}, headers=headers("commandant")
    )
    assert sealed.status_code == 200 and sealed.json()["payloads"] != [plain]
    opened = await api.post("/codec/decode", json=sealed.json(), headers=headers("coid_adviseur"))
    assert opened.json()["payloads"] == [plain]


async def test_a_codec_session_lets_the_ui_decode_with_a_cookie(
    api, headers, dev_worker, settings
) -> None:
    _, payloads = await start_payloads(api, headers, dev_worker)
    token = headers("coid_adviseur")["Authorization"].removeprefix("Bearer ")
    opened = await api.get("/codec/session", params={"token": token})
    assert opened.status_code == 200 and "coid-1" in opened.text
    assert "httponly" in opened.headers["set-cookie"].lower()

    response = await api.post(  # the UI sends the cookie, no Authorization header
        "/codec/decode", json={"payloads": payloads}, headers={"Origin": UI}
    )
    assert response.status_code == 200
    assert REGISTRAR in clear_text(response)
    api.cookies.clear()
