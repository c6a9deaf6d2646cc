"""Production mode: tokens verified against the identity provider's JWKS URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.main import create_app
from api.tokens import issue_local_token
from sg989.settings import Settings
from tests.api.conftest import http, no_temporal

IDP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KID = "idp-key-1"


@pytest.fixture
def jwks_url() -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(IDP_KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def idp_token(**changes: object) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "cdt-1",
        "name": "Kol. Jansen",
        "roles": ["commandant"],
        "units": ["CLAS/11LMB"],
        "iss": "https://idp.mindef.example",
        "aud": "sg989-api",
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        **changes,
    }
    return jwt.encode(claims, IDP_KEY, algorithm="RS256", headers={"kid": KID})


async def test_tokens_of_the_identity_provider_are_verified_by_jwks(
    jwks_url, engine, tmp_path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        jwks_url=jwks_url,
        jwt_issuer="https://idp.mindef.example",
        jwt_audience="sg989-api",
    )
    async with http(create_app(settings, engine, no_temporal)) as client:
        good = await client.get("/tasks", headers={"Authorization": f"Bearer {idp_token()}"})
        assert good.status_code == 200
        wrong_aud = await client.get(
            "/tasks", headers={"Authorization": f"Bearer {idp_token(aud='other')}"}
        )
        assert wrong_aud.status_code == 401 and "audience" in wrong_aud.json()["detail"]
        # A locally signed token means nothing in production.
        local = issue_local_token(
            settings.model_copy(update={"jwks_url": ""}),
            sub="x",
            name="x",
            roles=["auditor"],
            units=[],
        )
        forged = await client.get("/tasks", headers={"Authorization": f"Bearer {local}"})
        assert forged.status_code == 401


async def test_an_unreachable_identity_provider_is_503_not_401(engine, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, jwks_url="http://127.0.0.1:9/jwks.json")
    async with http(create_app(settings, engine, no_temporal)) as client:
        response = await client.get("/tasks", headers={"Authorization": f"Bearer {idp_token()}"})
    assert response.status_code == 503
    assert "identity provider" in response.json()["detail"]
