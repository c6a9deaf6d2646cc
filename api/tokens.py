"""Tokens for trying the API on the embedded default, signed with the local key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from api.auth import local_private_key
from domain.roles import Role
from sg989.settings import Settings


def issue_local_token(
    settings: Settings,
    *,
    sub: str,
    name: str,
    roles: list[Role] | list[str],
    units: list[str],
    ttl: timedelta = timedelta(hours=8),
    now: datetime | None = None,
) -> str:
    """A signed JWT with the claims the API reads; the key is created on first use."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": sub,
        "name": name,
        "roles": [Role(r).value for r in roles],
        "units": list(units),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    return jwt.encode(claims, local_private_key(settings), algorithm="RS256")
