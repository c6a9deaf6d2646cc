"""The key that seals the audit timeline. The database never holds it: a file on the host.

SG989_AUDIT_KEY_FILE names it; on the embedded default it is generated once as
data/audit.key, readable by its owner only. Whoever holds the database but not this file
cannot rewrite a timeline without it showing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

KEY_FILE_ENV = "SG989_AUDIT_KEY_FILE"


def audit_key_path() -> Path:
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        return Path(named)
    return Path(os.environ.get("SG989_DATA_DIR", "data")) / "audit.key"


@lru_cache(maxsize=8)
def load_audit_key(path: Path) -> bytes:
    """Read the key, creating it (owner-only) when there is none yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it meanwhile
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 32:
        raise ValueError(f"audit key {path} is shorter than 32 bytes")
    return key


def audit_key() -> bytes:
    return load_audit_key(audit_key_path())


def seal(key: bytes, *parts: object) -> str:
    """HMAC-SHA256 over the parts, joined unambiguously."""
    message = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a, b)
