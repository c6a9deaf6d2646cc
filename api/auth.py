"""Bearer-token verification: JWKS in production, a local RSA key on the embedded default."""

from __future__ import annotations

import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from domain.case import Actor
from sg989.settings import Settings

ALGORITHMS = ["RS256"]
REQUIRED_CLAIMS = ["sub", "exp", "iss", "aud"]


class AuthError(Exception):
    """The token is missing or cannot be trusted; the reason goes into the 401 body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthUnavailable(Exception):
    """The identity provider's keys cannot be fetched: nobody can be verified just now (503)."""


def signing_key_path(settings: Settings) -> Path:
    return settings.local_signing_key_file or settings.data_dir / "jwt-signing-key.pem"


def local_private_key(settings: Settings) -> rsa.RSAPrivateKey:
    """The local signing key, created on first use (embedded default only, never production)."""
    path = signing_key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:  # owner-only from the first byte; a key another process made meanwhile stays
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
    return _load_key(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_key(path: Path, _mtime_ns: int) -> rsa.RSAPrivateKey:
    """Loading checks the key's primes (tens of milliseconds): once per key file version,
    not once per request."""
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise AuthError(f"the local signing key {path} is not an RSA key")
    return loaded


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def _verification_key(settings: Settings, token: str) -> Any:
    if settings.jwks_url:
        try:
            return _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError as exc:
            raise AuthUnavailable(
                f"the identity provider's keys cannot be fetched: {exc}"
            ) from None
        except jwt.PyJWKClientError as exc:
            raise AuthError(f"no key in the JWKS verifies this token: {exc}") from None
    return local_private_key(settings).public_key()


# Verified tokens, so a client sending the same bearer token request after request pays for
# one RS256 verification, not one per request. Keyed by everything the verdict depends on (the
# token, the key it verified against, audience, issuer); a hit is used only before the token's
# own "exp" and for VERIFIED_TTL at most, so a key withdrawn from the JWKS stops working within
# that time, as PyJWKClient's own key cache already allows.
VERIFIED_TTL = 60.0
VERIFIED_MAX = 4096
_verified: dict[tuple[object, ...], tuple[float, dict[str, Any]]] = {}


def _verdict_key(settings: Settings, token: str) -> tuple[object, ...]:
    if settings.jwks_url:
        source: object = settings.jwks_url
    else:
        path = signing_key_path(settings)
        source = (str(path), path.stat().st_mtime_ns if path.exists() else None)
    return (token, source, settings.jwt_audience, settings.jwt_issuer)


def _decode(settings: Settings, token: str) -> dict[str, Any]:
    """The token's claims once verified; a repeat within VERIFIED_TTL and before its expiry
    is answered from the cache."""
    key = _verdict_key(settings, token)
    now = time.time()
    cached = _verified.get(key)
    if cached is not None:
        until, claims = cached
        if now < until and now < claims["exp"]:
            return dict(claims)
        _verified.pop(key, None)
    claims = _verify(settings, token)
    if len(_verified) >= VERIFIED_MAX:
        _verified.clear()  # a burst of distinct tokens: start over rather than track age
    _verified[key] = (now + VERIFIED_TTL, claims)
    return dict(claims)


def _verify(settings: Settings, token: str) -> dict[str, Any]:
    try:
        key = _verification_key(settings, token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired; ask for a new one") from None
    except jwt.InvalidAudienceError:
        raise AuthError(
            f"the token is not meant for this API (audience must be '{settings.jwt_audience}')"
        ) from None
    except jwt.InvalidIssuerError:
        raise AuthError(f"the token was not issued by '{settings.jwt_issuer}'") from None
    except jwt.InvalidSignatureError:
        raise AuthError(
            "the token's signature does not verify: it was signed by another key"
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(f"the token lacks the '{exc.claim}' claim") from None
    except jwt.DecodeError:
        raise AuthError(
            "the token is malformed: expected a signed JWT (header.payload.signature)"
        ) from None
    except jwt.InvalidTokenError as exc:
        raise AuthError(f"the token is invalid: {exc}") from None
    return claims


def actor_from_token(settings: Settings, token: str) -> Actor:
    """Verify the token and turn its claims (sub, name, roles, units) into an Actor."""
    claims = _decode(settings, token)
    try:
        return Actor(
            sub=claims["sub"],
            name=str(claims.get("name", "")),
            roles=claims.get("roles", []),
            units=claims.get("units", []),
        )
    except ValidationError as exc:
        fields = ", ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise AuthError(f"the token's claims are not usable ({fields})") from None


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("no bearer token: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must read 'Bearer <token>'")
    return token.strip()
