"""OpenID Connect sign-in (authorization code + PKCE, with authlib) for production.

The identity provider's claims become an Actor: `oidc_roles_claim` holds role names or group
values that `oidc_role_map` translates, `oidc_units_claim` the units. A person without any sg989
role is not let in.
"""

from __future__ import annotations

import secrets
import warnings
from typing import TYPE_CHECKING, Any

import httpx
import jwt
from fastapi import Request
from itsdangerous import BadSignature, SignatureExpired

from api.web.session import serializer
from domain.case import Actor
from domain.roles import Role
from sg989.settings import Settings

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

FLOW_COOKIE = "sg989_oidc"
FLOW_SECONDS = 600
ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "PS256"]


class OidcFailed(Exception):
    """The sign-in through the identity provider did not succeed; the message says why."""


def oidc_enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer)


def _transport(request: Request) -> httpx.AsyncBaseTransport | None:
    return getattr(request.app.state, "oidc_transport", None)


async def _get_json(request: Request, url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=_transport(request), timeout=10) as http:
        try:
            response = await http.get(url)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise OidcFailed(f"de identity provider is niet bereikbaar ({url}): {exc}") from None
        body: dict[str, Any] = response.json()
        return body


async def provider_metadata(request: Request, settings: Settings) -> dict[str, Any]:
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    return await _get_json(request, url)


def _client(request: Request, settings: Settings) -> AsyncOAuth2Client:
    with warnings.catch_warnings():  # authlib warns that it prefers httpx2; httpx works
        from authlib.deprecate import AuthlibDeprecationWarning

        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client
    return AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        scope=settings.oidc_scopes,
        redirect_uri=str(request.url_for("oidc_callback")),
        code_challenge_method="S256",
        transport=_transport(request),
    )


async def authorization_redirect(request: Request, settings: Settings) -> tuple[str, str]:
    """The provider's URL to send the browser to, and the signed flow state for a cookie."""
    metadata = await provider_metadata(request, settings)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)
    async with _client(request, settings) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    flow = serializer(settings, "oidc").dumps(
        {"state": state, "verifier": verifier, "nonce": nonce}
    )
    return url, flow


def _flow(settings: Settings, cookie: str | None) -> dict[str, str]:
    try:
        flow: dict[str, str] = serializer(settings, "oidc").loads(
            cookie or "", max_age=FLOW_SECONDS
        )
        return flow
    except SignatureExpired:
        raise OidcFailed("het aanmelden duurde te lang; probeer het opnieuw") from None
    except BadSignature:
        raise OidcFailed(
            "het aanmelden is niet in deze browser begonnen; probeer opnieuw"
        ) from None


async def _verified_id_token(
    request: Request, settings: Settings, metadata: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    keys = jwt.PyJWKSet.from_dict(await _get_json(request, metadata["jwks_uri"]))
    kid = jwt.get_unverified_header(id_token).get("kid")
    key = next((k for k in keys.keys if kid is None or k.key_id == kid), None)
    if key is None:
        raise OidcFailed("geen sleutel van de identity provider past bij het id-token")
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=ID_TOKEN_ALGORITHMS,
            audience=settings.oidc_client_id,
            issuer=settings.oidc_issuer,
            options={"require": ["sub", "exp", "iss", "aud"]},
        )
    except jwt.InvalidTokenError as exc:
        raise OidcFailed(f"het id-token is niet geldig: {exc}") from None
    if claims.get("nonce") != nonce:
        raise OidcFailed("het id-token hoort niet bij dit aanmelden (nonce)")
    return claims


async def finish_sign_in(request: Request, settings: Settings, flow_cookie: str | None) -> Actor:
    """Check state, exchange the code with the PKCE verifier, verify the id-token, map claims."""
    flow = _flow(settings, flow_cookie)
    if error := request.query_params.get("error"):
        raise OidcFailed(f"de identity provider weigerde: {error}")
    if request.query_params.get("state") != flow["state"]:
        raise OidcFailed("de state past niet bij dit aanmelden; probeer het opnieuw")
    metadata = await provider_metadata(request, settings)
    async with _client(request, settings) as client:
        try:
            token = await client.fetch_token(
                metadata["token_endpoint"],
                code=request.query_params.get("code", ""),
                code_verifier=flow["verifier"],
            )
        except Exception as exc:  # authlib raises OAuthError or httpx errors
            raise OidcFailed(f"de code kon niet worden ingewisseld: {exc}") from None
    claims = await _verified_id_token(
        request, settings, metadata, str(token.get("id_token", "")), flow["nonce"]
    )
    return actor_from_claims(settings, claims)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    return [str(v) for v in value]


def actor_from_claims(settings: Settings, claims: dict[str, Any]) -> Actor:
    known = {r.value for r in Role}
    roles: list[str] = []
    for value in _as_list(claims.get(settings.oidc_roles_claim)):
        mapped = settings.oidc_role_map.get(value, value)
        if mapped in known and mapped not in roles:
            roles.append(mapped)
    if not roles:
        raise OidcFailed("uw account heeft geen rol in sg989; vraag de beheerder om toegang")
    units = _as_list(claims.get(settings.oidc_units_claim))
    name = str(claims.get("name") or claims.get("preferred_username") or claims["sub"])
    return Actor(sub=str(claims["sub"]), name=name, roles=roles, units=units)  # type: ignore[arg-type]
