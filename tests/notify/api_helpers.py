"""An in-process API with local tokens, for the notify tests (no Temporal needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine

from api.auth import local_private_key
from api.main import create_app
from api.tokens import issue_local_token
from sg989.settings import Settings

BEHEERDER = {"sub": "beh-1", "roles": ["beheerder"], "units": ["CLAS"]}


async def no_temporal() -> Any:
    raise RuntimeError("not needed here")


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys") / "signing-key.pem"


@pytest.fixture
def settings(tmp_path: Path, key_file: Path) -> Settings:
    return Settings(data_dir=tmp_path, local_signing_key_file=key_file)


@pytest_asyncio.fixture
async def api(engine: Engine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine, no_temporal)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sg989") as client:
        yield client


def auth(settings: Settings, user: dict[str, Any] = BEHEERDER, **extra: Any) -> dict[str, str]:
    if not extra:
        token = issue_local_token(settings, name="Beheerder", **user)
    else:
        now = datetime.now(UTC)
        claims = {
            **user,
            "name": "Via IdP",
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
            **extra,
        }
        token = jwt.encode(claims, local_private_key(settings), algorithm="RS256")
    return {"Authorization": f"Bearer {token}"}
