"""The web session: a signed cookie that expires, a CSRF token per visitor, the signed-in Actor.

The cookie carries the same claims a bearer token does (sub, name, roles, units), so the person
signed in becomes the same `domain.case.Actor` the API builds, and every rule is the API's own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import ValidationError

from api.auth import local_private_key, signing_key_path
from domain.case import Actor
from sg989.settings import Settings

SESSION_COOKIE = "sg989_sessie"
CSRF_COOKIE = "sg989_csrf"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """No valid session: the person is sent to the sign-in page (with why, if it expired)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfRejected(Exception):
    """A form arrived without the token of this browser: refused before anything changes."""


def session_secret(settings: Settings) -> str:
    if settings.web_session_secret:
        return settings.web_session_secret
    path = signing_key_path(settings)
    if not path.exists():
        local_private_key(settings)  # created on first use, as for local tokens
    return _derived_secret(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _derived_secret(path: Path, _mtime: int) -> str:
    """Derived from the local signing key; read again only when the key file changes."""
    return hashlib.sha256(b"sg989-web-session:" + path.read_bytes()).hexdigest()


def serializer(settings: Settings, salt: str = "sessie") -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(settings), salt=salt)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def start_session(request: Request, response: Response, actor: Actor) -> None:
    settings = _settings(request)
    claims = actor.model_dump(mode="json", exclude={"acting_role"})
    response.set_cookie(
        SESSION_COOKIE,
        serializer(settings).dumps(claims),
        max_age=settings.web_session_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.web_secure_cookies,
        path="/",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def read_session(request: Request) -> Actor | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    settings = _settings(request)
    try:
        claims: dict[str, Any] = serializer(settings).loads(
            raw, max_age=settings.web_session_minutes * 60
        )
        return Actor.model_validate(claims)
    except SignatureExpired:
        raise SignInRequired("Uw sessie is verlopen. Meld u opnieuw aan.") from None
    except (BadSignature, ValidationError):
        return None


def current_person(request: Request) -> Actor:
    actor = read_session(request)
    if actor is None:
        raise SignInRequired()
    return actor


WebUser = Annotated[Actor, Depends(current_person)]


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (double-submit: a cookie and a hidden field that must match)."""
    token: str | None = getattr(request.state, "csrf_token", None)
    if token:
        return token
    cookie = request.cookies.get(CSRF_COOKIE, "")
    try:
        token = serializer(_settings(request), "csrf").loads(cookie) if cookie else None
    except BadSignature:
        token = None
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = serializer(_settings(request), "csrf").dumps(token)
    request.state.csrf_token = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    signed = getattr(request.state, "new_csrf_cookie", None)
    if signed:
        response.set_cookie(
            CSRF_COOKIE,
            signed,
            httponly=True,
            samesite="lax",  # not strict: a sign-in coming back from the IdP keeps it
            secure=_settings(request).web_secure_cookies,
            path="/",
        )


async def check_csrf(request: Request) -> None:
    """Every POST of the web app: the form's token must be this browser's cookie token."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    cookie = request.cookies.get(CSRF_COOKIE, "")
    try:
        expected = serializer(_settings(request), "csrf").loads(cookie) if cookie else ""
    except BadSignature:
        expected = ""
    if not expected or not hmac.compare_digest(sent, str(expected)):
        raise CsrfRejected()


CsrfChecked = Depends(check_csrf)
