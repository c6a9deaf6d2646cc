"""The Temporal codec server protocol, so the Temporal UI can show payloads to those allowed.

`POST /codec/decode` and `POST /codec/encode` take and return `{"payloads": [...]}` (Payloads in
protobuf JSON). Same bearer tokens as the rest of the API. Clear text is for the case's COID
adviser only (section 6: the melder's identity), and only for payloads of cases within their
scope; every other caller gets the payloads back still encrypted, so the UI keeps working and
shows ciphertext. Each decode enters the access log of the cases it touched, like a read.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from google.protobuf import json_format
from pydantic import BaseModel
from sqlmodel import Session
from temporalio.api.common.v1 import Payload, Payloads

from api.auth import AuthError, AuthUnavailable, actor_from_token, bearer_token
from api.deps import SessionDep, get_settings_dep
from api.problems import problem_response
from api.reads import case_tasks, now_utc
from api.redaction import is_case_adviser, viewing_role
from domain.case import Actor
from domain.roles import Role
from sg989.codec import EncryptionCodec, is_sealed
from sg989.keys import KeyRingError, load_keyring
from sg989.settings import Settings
from store.models import AccessLog, Case

router = APIRouter(prefix="/codec", tags=["codec"])
DECODERS = frozenset({Role.coid_adviseur})
CORS_HEADERS = "Authorization, Content-Type, X-Namespace"
SESSION_COOKIE = "sg989_codec"


def ui_origins(settings: Settings) -> set[str]:
    configured = {o.strip() for o in settings.temporal_ui_origins.split(",") if o.strip()}
    port = settings.temporal_ui_port
    return configured or {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}


def cors(request: Request, settings: Settings) -> dict[str, str]:
    origin = request.headers.get("origin", "")
    if origin not in ui_origins(settings):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": CORS_HEADERS,
        "Vary": "Origin",
    }


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def codec_for(request: Request, settings: Settings) -> EncryptionCodec:
    state = request.app.state
    if getattr(state, "payload_codec", None) is None:
        state.payload_codec = EncryptionCodec(load_keyring(settings))
    codec: EncryptionCodec = state.payload_codec
    return codec


class PayloadsIn(BaseModel):
    """Temporal's Payloads in protobuf JSON: metadata and data base64-encoded."""

    payloads: list[dict[str, Any]]


def _payloads(body: PayloadsIn) -> list[Payload]:
    parsed = Payloads()
    json_format.ParseDict({"payloads": body.payloads}, parsed, ignore_unknown_fields=True)
    return list(parsed.payloads)


def _answer(payloads: Sequence[Payload], headers: dict[str, str]) -> Response:
    body = json_format.MessageToJson(Payloads(payloads=payloads))
    return Response(body, media_type="application/json", headers=headers)


def caller(request: Request, settings: Settings) -> Actor:
    """The bearer token, or the codec session cookie a browser running the Temporal UI sends."""
    header = request.headers.get("authorization")
    cookie = request.cookies.get(SESSION_COOKIE)
    token = bearer_token(header) if header or not cookie else cookie
    return actor_from_token(settings, token)


@router.get("/session", response_class=HTMLResponse)
def session(token: str, settings: SettingsDep) -> Response:
    """Open once in the browser that shows the Temporal UI (`/codec/session?token=...`): the
    token becomes a cookie for /codec only, so the UI's requests carry it ("include
    cross-origin credentials" in the UI's codec settings)."""
    try:
        user = actor_from_token(settings, token)
    except AuthError as exc:
        return problem_response(401, exc.reason)
    page = (
        f"<p>Codec session for {html.escape(user.sub)} "
        f"({', '.join(r.value for r in user.roles)}). The Temporal UI can now decode what "
        "your role may read.</p>"
    )
    response = HTMLResponse(page)
    response.set_cookie(
        SESSION_COOKIE, token, path="/codec", httponly=True, samesite="strict", max_age=8 * 3600
    )
    return response


@router.options("/decode", include_in_schema=False)
@router.options("/encode", include_in_schema=False)
def preflight(request: Request, settings: SettingsDep) -> Response:
    return Response(status_code=204, headers=cors(request, settings))


@router.post("/decode")
def decode(
    body: PayloadsIn, request: Request, settings: SettingsDep, session: SessionDep
) -> Response:
    """Payloads in clear text for the case's COID adviser; still encrypted for everyone else."""
    headers = cors(request, settings)
    try:
        user = caller(request, settings)
        payloads = _payloads(body)
        codec = codec_for(request, settings)
        shown = [_decode_one(session, codec, user, p) for p in payloads]
    except AuthError as exc:
        return problem_response(401, exc.reason, headers=headers)
    except AuthUnavailable as exc:
        return problem_response(503, str(exc), headers=headers)
    except json_format.ParseError as exc:
        return problem_response(400, f"expected {{'payloads': [...]}}: {exc}", headers=headers)
    except KeyRingError as exc:
        return problem_response(422, str(exc), headers=headers)
    _log_decodes(session, user, {(case, released) for _, case, released in shown})
    return _answer([p for p, _, _ in shown], headers)


@router.post("/encode")
def encode(body: PayloadsIn, request: Request, settings: SettingsDep) -> Response:
    """Seal payloads with the active key (the UI uses it to send input); any signed-in user."""
    headers = cors(request, settings)
    try:
        caller(request, settings)
        payloads = _payloads(body)
    except AuthError as exc:
        return problem_response(401, exc.reason, headers=headers)
    except json_format.ParseError as exc:
        return problem_response(400, f"expected {{'payloads': [...]}}: {exc}", headers=headers)
    codec = codec_for(request, settings)
    return _answer([codec.seal(p) for p in payloads], headers)


def _decode_one(
    session: Session, codec: EncryptionCodec, user: Actor, payload: Payload
) -> tuple[Payload, str, bool]:
    """(payload as shown, case id it belongs to or "", whether clear text was released)."""
    if not is_sealed(payload) or not DECODERS & set(user.roles):
        return payload, "", False
    clear = codec.open(payload)
    case_id = _case_of(clear)
    if case_id and not _is_case_adviser(session, user, case_id):
        return payload, case_id, False
    return clear, case_id, True


def _case_of(payload: Payload) -> str:
    try:
        value: Any = json.loads(payload.data)
    except ValueError:
        return ""
    case_id = value.get("case_id") if isinstance(value, dict) else None
    return case_id if isinstance(case_id, str) else ""


def _is_case_adviser(session: Session, user: Actor, case_id: str) -> bool:
    case = session.get(Case, case_id)
    if case is None:
        return False
    tasks = case_tasks(session, case_id)
    return viewing_role(user, case, tasks) in DECODERS and is_case_adviser(user, tasks)


def _log_decodes(session: Session, user: Actor, decodes: set[tuple[str, bool]]) -> None:
    """One access-log row per case touched ("" when a payload names no case)."""
    role = next((r for r in user.roles if r in DECODERS), user.roles[0] if user.roles else "")
    now = now_utc()
    for case_id, released in sorted(decodes):
        action = "decode" if released else "decode_denied"
        session.add(AccessLog(case_id=case_id, sub=user.sub, role=role, action=action, at=now))
    session.commit()
