"""`sg989 doctor`: one plain line per check, exit 1 when something is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from sg989.cli import app
from sg989.doctor import SEARCH_ATTRIBUTES
from sg989.settings import get_settings
from store.db import make_engine, session_scope
from store.migrate import upgrade_to_head
from store.models import Person
from tests.sg989.test_persistence import free_port

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("SG989_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SG989_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def lines_by_check(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition("  ")
        for name in (
            "store",
            "temporal",
            "search attributes",
            "directory",
            "notifications",
            "audit key",
        ):
            if rest.strip().startswith(name + " ") and status in ("ok", "warn", "fail"):
                found.setdefault(name, f"{status} {rest.strip()}")
    return found


async def test_a_healthy_installation_passes(
    env: pytest.MonkeyPatch, tmp_path: Path, dev_env: WorkflowEnvironment
) -> None:
    client = dev_env.client
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    types = {"Overdue": IndexedValueType.INDEXED_VALUE_TYPE_BOOL}
    missing = {
        name: types.get(name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
        for name in SEARCH_ATTRIBUTES
        if name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
    url = f"sqlite:///{tmp_path / 'data' / 'sg989.db'}"
    (tmp_path / "data").mkdir()
    upgrade_to_head(url)
    with session_scope(make_engine(url)) as session:
        session.add(Person(sub="cdt-1", name="Kolonel", email="cdt@example.invalid"))
    env.setenv("SG989_TEMPORAL_ADDRESS", client.service_client.config.target_host)
    get_settings.cache_clear()

    # The command runs its own event loop, as from a shell: off this test's loop.
    result = await asyncio.to_thread(runner.invoke, app, ["doctor"])
    assert result.exit_code == 0, result.output
    checks = lines_by_check(result.output)
    assert checks["store"].startswith("ok") and "(newest)" in checks["store"]
    assert checks["temporal"].startswith("ok") and "retention" in checks["temporal"]
    assert checks["search attributes"].startswith("ok")
    assert checks["directory"] == "ok directory          1 active people with an e-mail address"
    assert checks["notifications"].startswith("ok")
    assert "fit to run" in result.output


def test_a_broken_installation_says_what_is_wrong(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("SG989_DATABASE_URL", f"sqlite:///{tmp_path / 'never-migrated.db'}")
    env.setenv("SG989_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    audit_key = tmp_path / "audit.key"
    audit_key.write_text("00" * 32)
    audit_key.chmod(0o644)
    env.setenv("SG989_AUDIT_KEY_FILE", str(audit_key))
    get_settings.cache_clear()

    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    checks = lines_by_check(result.output)
    assert checks["store"].startswith("fail") and "run `sg989 migrate`" in checks["store"]
    assert checks["temporal"].startswith("fail") and "connection refused" in checks["temporal"]
    assert checks["search attributes"].startswith("fail")
    assert checks["audit key"].startswith("fail") and "chmod 600" in checks["audit key"]
    assert checks["directory"].startswith("fail")


def test_an_undeliverable_notification_is_named_for_the_beheerder(engine) -> None:
    from datetime import UTC, datetime

    from sg989.doctor import check_notifications
    from store.models import NotificationDelivery

    with session_scope(engine) as session:
        session.add(
            NotificationDelivery(
                case_id="ZK-2026-000001",
                seq=3,
                idx=0,
                recipient="",
                kind="escalatie",
                status="undeliverable",
                reason="nobody in the directory holds the role hogere_commandant for unit CLAS",
                created_at=datetime.now(UTC),
            )
        )
    check = check_notifications(engine)
    assert check.status == "fail"
    assert "1 undeliverable" in check.line() and "hogere_commandant" in check.line()
