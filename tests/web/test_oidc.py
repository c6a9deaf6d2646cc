"""OpenID Connect sign-in against a stand-in identity provider: authorization code with PKCE
(S256), state and nonce checked, the id-token verified, claims mapped to roles and units."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.engine import Engine

from api.main import create_app
from sg989.settings import Settings
from tests.api.conftest import http, no_temporal
from tests.web.conftest import Browser

ISSUER = "https://idp.defensie.example"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    """Just enough of an identity provider: discovery, JWKS and a token endpoint that checks
    the PKCE verifier against the challenge it was given."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.challenge = ""
        self.nonce = ""

    def authorize(self, url: str) -> str:
        query = parse_qs(urlparse(url).query)
        assert query["code_challenge_method"] == ["S256"]
        self.challenge, self.nonce = query["code_challenge"][0], query["nonce"][0]
        return query["state"][0]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
            })  # fmt: skip
        if path == "/jwks":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
            return httpx.Response(200, json={"keys": [{**jwk, "kid": "k1", "use": "sig"}]})
        if path == "/token":
            form = parse_qs(request.content.decode())
            digest = hashlib.sha256(form["code_verifier"][0].encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != self.challenge:
                return httpx.Response(400, json={"error": "invalid_grant"})
            now = int(time.time())
            claims = {"iss": ISSUER, "aud": "sg989-web", "iat": now, "exp": now + 300,
                      "nonce": self.nonce, **self.claims}  # fmt: skip
            token = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})
            return httpx.Response(200, json={"access_token": "a", "token_type": "Bearer",
                                             "id_token": token})  # fmt: skip
        return httpx.Response(404)


@pytest_asyncio.fixture
async def sign_in_with(people: Engine, settings: Settings) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    async def through(claims: dict[str, Any], tamper_state: bool = False) -> httpx.Response:
        oidc = settings.model_copy(
            update={
                "oidc_issuer": ISSUER,
                "oidc_client_id": "sg989-web",
                "oidc_roles_claim": "groups",
                "oidc_role_map": {"G-SG989-CDT": "commandant"},
            }
        )
        app = create_app(oidc, people, no_temporal)
        provider = Provider(claims)
        app.state.oidc_transport = httpx.MockTransport(provider.handle)
        client = http(app)
        clients.append(client)
        start = await client.get("/app/oidc/aanmelden")
        assert start.status_code == 303 and start.headers["location"].startswith(ISSUER)
        state = provider.authorize(start.headers["location"])
        back = await client.get(
            "/app/oidc/terug", params={"code": "c1", "state": "x" if tamper_state else state}
        )
        return back if back.status_code != 303 else await Browser(client).get("/app/taken")

    yield through
    for client in clients:
        await client.aclose()


CLAIMS = {"sub": "idp-42", "name": "Kolonel Vermeulen", "groups": ["G-SG989-CDT", "G-OTHER"],
          "units": ["CLAS/11LMB"]}  # fmt: skip


async def test_oidc_sign_in_maps_claims_to_roles_and_units(sign_in_with: Any) -> None:
    page = await sign_in_with(CLAIMS)
    assert page.status_code == 200
    assert "Kolonel Vermeulen" in page.text and "(Commandant)" in page.text


async def test_a_wrong_state_is_refused(sign_in_with: Any) -> None:
    page = await sign_in_with(CLAIMS, tamper_state=True)
    assert page.status_code == 403 and "state" in page.text


async def test_a_person_without_a_sg989_role_is_not_let_in(sign_in_with: Any) -> None:
    page = await sign_in_with({**CLAIMS, "groups": ["G-OTHER"]})
    assert page.status_code == 403 and "geen rol" in page.text
