"""Reads the versioned deadline policy files shipped with sg989."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from domain.policy import DeadlinePolicy, parse_policy

POLICY_DIR = Path(__file__).parent / "policies"
CURRENT_POLICY_FILE = POLICY_DIR / "deadlines-2026.1.toml"


@lru_cache(maxsize=8)
def load_policy(path: Path = CURRENT_POLICY_FILE) -> DeadlinePolicy:
    return parse_policy(path.read_text(encoding="utf-8"))
