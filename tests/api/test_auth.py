"""Bearer tokens: a clear 401 for each way a token is wrong; `sg989 token` prints a good one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import pytest_asyncio
import typer
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from api.main import create_app
from api.tokens import issue_local_token
from sg989 import settings as settings_module
from sg989.cli_token import token_cmd
from tests.api.conftest import http, no_temporal

COMMANDANT = {
    "sub": "cdt-1",
    "name": "Kol. Jansen",
    "roles": ["commandant"],
    "units": ["CLAS/11LMB"],
}


@pytest_asyncio.fixture
async def client(engine, settings) -> AsyncIterator:
    async with http(create_app(settings, engine, no_temporal)) as c:
        yield c


def claims(settings, **changes) -> dict:
    now = datetime.now(UTC)
    base = {
        **COMMANDANT,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def signed(settings, **changes) -> str:
    from api.auth import local_private_key

    return jwt.encode(claims(settings, **changes), local_private_key(settings), algorithm="RS256")


def other_key_token(settings) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims(settings), stranger, algorithm="RS256")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s: None, "no bearer token"),
        (lambda s: "not-a-jwt", "malformed"),
        (
            lambda s: signed(s, exp=int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())),
            "expired",
        ),
        (lambda s: signed(s, aud="another-api"), "not meant for this API"),
        (lambda s: signed(s, iss="someone-else"), "not issued by"),
        (other_key_token, "signed by another key"),
        (lambda s: signed(s, sub=None), "lacks the 'sub' claim"),
        (lambda s: signed(s, roles=["generaal"]), "claims are not usable"),
    ],
    ids=[
        "missing",
        "malformed",
        "expired",
        "audience",
        "issuer",
        "signature",
        "no-sub",
        "bad-role",
    ],
)
async def test_a_bad_token_gets_401_with_the_reason(client, settings, make, reason) -> None:
    token = make(settings)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.get("/tasks", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert reason in response.json()["detail"]


async def test_a_good_token_is_accepted(client, settings) -> None:
    token = issue_local_token(settings, **COMMANDANT)
    response = await client.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json() == []


async def test_a_token_accepted_before_is_refused_once_it_expires(client, settings) -> None:
    """Verified tokens are remembered between requests, never past their own expiry."""
    expires = int(time.time()) + 2
    token = signed(settings, exp=expires)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/tasks", headers=headers)).status_code == 200

    await asyncio.sleep(max(expires - time.time(), 0) + 0.2)
    response = await client.get("/tasks", headers=headers)

    assert response.status_code == 401 and "expired" in response.json()["detail"]


async def test_a_token_accepted_before_is_refused_once_its_signing_key_is_replaced(
    client, settings
) -> None:
    from api.auth import signing_key_path

    token = signed(settings)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/tasks", headers=headers)).status_code == 200

    signing_key_path(settings).unlink()  # the next use creates a new key
    signed(settings)
    response = await client.get("/tasks", headers=headers)

    assert response.status_code == 401 and "another key" in response.json()["detail"]


async def test_sg989_token_prints_a_token_the_api_accepts(client, settings, monkeypatch) -> None:
    monkeypatch.setenv("SG989_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SG989_LOCAL_SIGNING_KEY_FILE", str(settings.local_signing_key_file))
    settings_module.get_settings.cache_clear()
    app = typer.Typer()
    app.command("token")(token_cmd)
    result = CliRunner().invoke(
        app, ["--role", "commandant", "--unit", "CLAS/11LMB", "--name", "Kol. Jansen"]
    )
    settings_module.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = await client.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    decoded = jwt.decode(token, options={"verify_signature": False})
    assert (decoded["name"], decoded["roles"], decoded["units"]) == (
        "Kol. Jansen",
        ["commandant"],
        ["CLAS/11LMB"],
    )


def test_sg989_token_refuses_an_unknown_role() -> None:
    app = typer.Typer()
    app.command("token")(token_cmd)
    result = CliRunner().invoke(app, ["--role", "generaal"])
    assert result.exit_code == 2 and "known roles" in result.output


async def test_requests_carry_a_request_id(client) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "req-42"})
    assert response.headers["x-request-id"] == "req-42"


async def test_the_reports_router_is_wired_with_real_tokens(client, settings) -> None:
    csv = (
        "case_ref,do,unit,registered_on,system,category,betrokkene,measure,decided_on\n"
        "M-1,CLAS,CLAS/11LMB,2021-01-05,MVV,financieel,B1,ontslag,2021-03-01\n"
    )

    def as_(role: str) -> dict[str, str]:
        user = {"sub": f"{role}-1", "name": role, "roles": [role], "units": ["CLAS"]}
        token = issue_local_token(settings, **user)
        return {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}

    assert (await client.post("/imports", content=csv, headers=as_("auditor"))).status_code == 403
    assert (await client.post("/imports", content=csv, headers=as_("beheerder"))).status_code == 201
    report = await client.get("/reports/annual?year=2021&do=clas", headers=as_("auditor"))
    assert report.status_code == 200


def test_the_local_signing_key_is_made_owner_only_and_never_replaced(tmp_path) -> None:
    """Nobody else may read it; a second caller (another process of `sg989 up`) keeps the key
    that is there."""
    import os
    import stat

    from api.auth import local_private_key
    from sg989.settings import Settings

    previous = os.umask(0o022)  # a usual umask would leave a plain new file readable by all
    try:
        settings = Settings(data_dir=tmp_path, local_signing_key_file=tmp_path / "k.pem")
        first = local_private_key(settings)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600
    content = (tmp_path / "k.pem").read_bytes()
    again = local_private_key(settings)
    assert (tmp_path / "k.pem").read_bytes() == content
    assert again.private_numbers() == first.private_numbers()
