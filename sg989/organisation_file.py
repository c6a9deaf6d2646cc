"""Reads the list of known units shipped beside the deadline policy (or another, by setting)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from domain.organisation import Organisation
from sg989.policy_files import POLICY_DIR

UNITS_FILE = POLICY_DIR / "units.txt"


@lru_cache(maxsize=4)
def load_organisation(path: Path = UNITS_FILE) -> Organisation:
    return Organisation.parse(path.read_text(encoding="utf-8").splitlines())
