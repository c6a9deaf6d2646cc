"""docker-compose.yml follows upstream practice and runs what development runs.

Docker does not run here: .ci/validate-compose checks the file with `docker-compose config`;
these tests check the promises the README makes about it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from sg989.temporal import temporal_cli_path

ROOT = Path(__file__).resolve().parents[1]
ONE_SHOT = {"temporal-schema", "temporal-namespace", "migrate"}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def test_temporal_server_and_ui_are_the_versions_development_runs() -> None:
    version = subprocess.run(
        [str(temporal_cli_path()), "--version"], capture_output=True, text=True, check=True
    ).stdout
    server = re.search(r"Server (\d+\.\d+\.\d+)", version)
    ui = re.search(r"UI (\d+\.\d+\.\d+)", version)
    assert server and ui, version
    images = {name: spec["image"] for name, spec in services().items() if "image" in spec}
    assert images["temporal"] == f"temporalio/server:{server.group(1)}"
    assert images["temporal-schema"] == f"temporalio/admin-tools:{server.group(1)}"
    assert images["temporal-namespace"] == f"temporalio/admin-tools:{server.group(1)}"
    assert images["temporal-ui"] == f"temporalio/ui:{ui.group(1)}"
    assert not any("auto-setup" in image for image in images.values())


def test_every_service_is_health_checked_or_one_shot_and_waits_for_health() -> None:
    for name, spec in services().items():
        if name in ONE_SHOT:
            assert spec.get("restart", "").startswith("on-failure"), name
        else:
            assert "healthcheck" in spec, f"{name} has no health check"
        for needed, condition in spec.get("depends_on", {}).items():
            wanted = "service_completed_successfully" if needed in ONE_SHOT else "service_healthy"
            assert condition == {"condition": wanted}, f"{name} -> {needed}"


def test_only_the_api_is_published_and_the_rest_on_localhost() -> None:
    published = {}
    for name, spec in services().items():
        for port in spec.get("ports", []):
            published[name] = port
            if name != "proxy":
                assert port.startswith("127.0.0.1:"), f"{name} publishes {port} to every interface"
    assert published["proxy"].endswith(":8000")


def test_two_workers_two_api_replicas_namespace_retention_and_codec() -> None:
    spec = services()
    assert spec["worker"]["deploy"]["replicas"] == 2
    assert spec["api"]["deploy"]["replicas"] == 2
    assert "api.main:app_factory" in spec["api"]["command"]
    assert "--factory" in spec["api"]["command"]
    assert spec["temporal-namespace"]["environment"]["RETENTION"]
    assert spec["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")
    script = (ROOT / "deploy" / "temporal" / "create-namespace.sh").read_text()
    assert '--retention "$retention"' in script
