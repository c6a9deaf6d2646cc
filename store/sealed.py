"""Secret columns: values are sealed with the payload key ring before they reach the database.

A sealed value reads "sealed:<key id>:<base64 nonce+ciphertext>"; the column stays a string,
so the schema does not change and a dump or backup of the store holds ciphertext only.
The key ring is installed once per process by the composition root (``use_keyring``); without
one, the ring configured by SG989_* settings is loaded on first use.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from sqlalchemy.engine import Dialect
from sqlalchemy.types import String, TypeDecorator

PREFIX = "sealed:"


class Sealer(Protocol):
    def encrypt(self, plain: bytes, associated: bytes) -> tuple[str, bytes]: ...

    def decrypt(self, key_id: str, sealed: bytes, associated: bytes) -> bytes: ...


_ring: Sealer | None = None


def use_keyring(ring: Sealer | None) -> None:
    global _ring
    _ring = ring


def keyring() -> Sealer:
    global _ring
    if _ring is None:
        from sg989.keys import load_keyring  # the composition root owns where keys live
        from sg989.settings import get_settings

        _ring = load_keyring(get_settings())
    return _ring


def seal(value: str, purpose: str) -> str:
    key_id, sealed = keyring().encrypt(value.encode(), purpose.encode())
    return f"{PREFIX}{key_id}:{base64.b64encode(sealed).decode()}"


def unseal(stored: str, purpose: str) -> str:
    """The clear value; a value stored before sealing existed is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    key_id, _, encoded = stored.removeprefix(PREFIX).partition(":")
    return keyring().decrypt(key_id, base64.b64decode(encoded), purpose.encode()).decode()


def is_sealed(stored: str | None) -> bool:
    return stored is not None and stored.startswith(PREFIX)


class SealedString(TypeDecorator[str]):
    """A string column whose values are encrypted at rest; ``purpose`` binds a value to it."""

    impl = String
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else seal(str(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else unseal(value, self.purpose)
