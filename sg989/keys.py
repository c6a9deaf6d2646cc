"""The key ring: AES-256-GCM keys that seal Temporal payloads and the store's secret columns.

Several keys decrypt, one (the first) encrypts, so a key can rotate without losing old data.
Keys come from ``SG989_PAYLOAD_KEYS`` ("id:base64,id:base64", newest first) or from a key file
(``SG989_PAYLOAD_KEY_FILE``, one "id base64" line per key, newest first). Without either, the
embedded default generates one key once under the data folder with owner-only permissions.
Keys never enter the repository.

    python -m sg989.keys rotate    # prepend a new key to the key file; old keys keep decrypting
    python -m sg989.keys reseal    # seal the store's contacts again with the newest key
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sg989.settings import Settings

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
DEFAULT_KEY_FILE = "payload-keys"


class KeyRingError(Exception):
    """A key is missing, malformed or does not open the data: a sentence an operator can act on."""


@dataclass(frozen=True)
class KeyRing:
    """Keys by id; ``active`` encrypts, every key decrypts."""

    keys: dict[str, bytes]
    active: str

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise KeyRingError(f"the active key '{self.active}' is not in the key ring")
        for key_id, key in self.keys.items():
            if len(key) != KEY_BYTES:
                raise KeyRingError(
                    f"key '{key_id}' has {len(key)} bytes; AES-256 needs {KEY_BYTES}"
                )

    def encrypt(self, plain: bytes, associated: bytes) -> tuple[str, bytes]:
        """(key id, nonce + ciphertext) under the active key."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plain, associated)
        return self.active, nonce + sealed

    def decrypt(self, key_id: str, sealed: bytes, associated: bytes) -> bytes:
        key = self.keys.get(key_id)
        if key is None:
            raise KeyRingError(
                f"data was sealed with key '{key_id}', which is not in the key ring "
                f"(known: {', '.join(self.keys)}); restore that key to read it"
            )
        try:
            return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
        except InvalidTag:
            raise KeyRingError(f"key '{key_id}' does not open this data: it was altered") from None


def parse_keys(text: str, source: str) -> KeyRing:
    """Lines or comma-separated entries of "id base64" or "id:base64"; the first one encrypts."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    entries = [e.strip() for line in lines for e in line.split(",") if e.strip()]
    keys: dict[str, bytes] = {}
    for entry in entries:
        key_id, _, encoded = entry.replace(":", " ", 1).partition(" ")
        try:
            keys[key_id] = base64.b64decode(encoded.strip(), validate=True)
        except ValueError:
            raise KeyRingError(f"{source}: key '{key_id}' is not valid base64") from None
    if not keys:
        raise KeyRingError(f"{source} holds no key")
    return KeyRing(keys=keys, active=next(iter(keys)))


def key_file(settings: Settings) -> Path:
    return settings.payload_key_file or settings.data_dir / DEFAULT_KEY_FILE


def new_key_line(taken: Iterable[str] = ()) -> str:
    """A fresh key: its id is the day it was made plus a random tail ("k261129a3f0"), short
    because every sealed payload carries it."""
    taken = set(taken)
    key_id = ""
    while not key_id or key_id in taken:
        key_id = datetime.now(UTC).strftime("k%y%m%d") + secrets.token_hex(2)
    return f"{key_id} {base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}\n"


def _write_owner_only(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def load_keyring(settings: Settings) -> KeyRing:
    """The ring from the environment, else from the key file (created once if it is missing)."""
    configured = settings.payload_keys.get_secret_value()
    if configured:
        return parse_keys(configured, "SG989_PAYLOAD_KEYS")
    path = key_file(settings)
    if not path.exists():
        if settings.payload_key_file is not None:
            raise KeyRingError(f"the key file {path} does not exist (SG989_PAYLOAD_KEY_FILE)")
        if settings.jwks_url:  # production: each container would make a key of its own
            raise KeyRingError(
                "no payload keys: set SG989_PAYLOAD_KEYS or SG989_PAYLOAD_KEY_FILE, the same "
                "for the worker and the API (README: Keys)"
            )
        header = "# sg989 payload keys, newest first. Keep safe; never commit.\n"
        _write_owner_only(path, header + new_key_line())
    return parse_keys(path.read_text(), str(path))


def _ids_in(text: str) -> set[str]:
    try:
        return set(parse_keys(text, "key file").keys)
    except KeyRingError:  # empty or damaged: the new key is added all the same
        return set()


def rotate(settings: Settings) -> str:
    """Prepend a new key to the key file: it encrypts from the next start, old keys still read."""
    path = key_file(settings)
    old = path.read_text() if path.exists() else ""
    line = new_key_line(_ids_in(old))
    comments = [x for x in old.splitlines(keepends=True) if x.startswith("#")]
    rest = [x for x in old.splitlines(keepends=True) if not x.startswith("#")]
    _write_owner_only(path, "".join(comments) + line + "".join(rest))
    return line.split()[0]


def reseal_store(settings: Settings) -> int:
    """Seal the store's secret columns again with the active key; returns how many changed.
    (Temporal histories cannot be rewritten: their keys stay as long as they are kept.)"""
    import sqlalchemy as sa

    from store import sealed
    from store.db import make_engine

    ring = load_keyring(settings)
    sealed.use_keyring(ring)
    purpose, current = "case.melder_contact", f"{sealed.PREFIX}{ring.active}:"
    cases = sa.table("case", sa.column("case_id", sa.String), sa.column("melder_contact"))
    changed = 0
    with make_engine(settings.sqlalchemy_url).begin() as connection:
        rows = connection.execute(
            sa.select(cases.c.case_id, cases.c.melder_contact).where(
                cases.c.melder_contact.is_not(None)
            )
        ).all()
        for case_id, stored in rows:
            if stored.startswith(current):
                continue
            fresh = sealed.seal(sealed.unseal(stored, purpose), purpose)
            connection.execute(
                cases.update().where(cases.c.case_id == case_id).values(melder_contact=fresh)
            )
            changed += 1
    return changed


def main(argv: list[str]) -> int:
    from sg989.settings import get_settings

    if argv[1:] not in (["rotate"], ["reseal"]):
        print("usage: python -m sg989.keys rotate|reseal", file=sys.stderr)
        return 2
    settings = get_settings()
    if argv[1] == "reseal":
        print(f"{reseal_store(settings)} contacts sealed again with the newest key")
        return 0
    if settings.payload_keys.get_secret_value():
        print("the keys come from SG989_PAYLOAD_KEYS: rotate them there", file=sys.stderr)
        return 1
    key_id = rotate(settings)
    print(f"new key {key_id} in {key_file(settings)}; restart the worker and the API to use it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
