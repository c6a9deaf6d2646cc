"""Every endpoint against every role: allowed, 403 (role missing) or 404 (case outside scope)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.tokens import issue_local_token
from sg989.settings import Settings
from sg989.worker import build_worker
from tests.api.conftest import MELDING, USERS, fresh_engine, http
from tests.api.helpers import Users

ROLES = [*USERS, "anonymous"]
READ_CASE = {"commandant", "coid_adviseur", "jurist", "auditor", "beheerder"}
TIMELINE = {"commandant", "coid_adviseur", "jurist", "auditor"}
REPORTS = {"commandant", "coid_adviseur", "auditor", "beheerder"}

# POST /cases/{case}/withdraw closes the shared case: test_writes covers its roles.
# endpoint -> (allowed status, roles allowed, roles that may see the case but lack the right)
MATRIX: dict[str, tuple[int, set[str], set[str]]] = {
    "GET /cases": (200, set(USERS), set()),
    "GET /tasks": (200, set(USERS), set()),
    "POST /cases": (
        201,
        {"commandant", "coid_adviseur"},
        set(USERS) - {"commandant", "coid_adviseur"},
    ),
    "GET /cases/{case}": (200, READ_CASE, set()),
    "GET /cases/{case}/timeline": (200, TIMELINE, READ_CASE - TIMELINE),
    "GET /cases/{case}/timeline/verify": (200, TIMELINE | {"beheerder"}, set()),
    # An empty payload passes authorisation and then fails validation: nothing changes.
    "POST /tasks/{task}/complete": (422, {"commandant"}, READ_CASE - {"commandant"}),
    "POST /tasks/{task}/extend": (
        422,
        {"commandant", "coid_adviseur", "jurist"},
        {"auditor", "beheerder"},
    ),
    "POST /tasks/{task}/reassign": (
        200,
        {"commandant", "coid_adviseur", "beheerder"},
        {"jurist", "auditor"},
    ),
    # An unknown betrokkene passes authorisation and is then refused by the workflow.
    "POST /cases/{case}/schorsingen": (422, {"commandant"}, READ_CASE - {"commandant"}),
    # Reports hold counts only, no case content: any reader role, whatever its units.
    "GET /reports/annual?year=2026": (200, REPORTS | {"outsider"}, set(USERS) - REPORTS),
}
BODIES: dict[str, Any] = {
    "POST /cases": MELDING,
    "POST /tasks/{task}/complete": {},
    "POST /cases/{case}/schorsingen": {"betrokkene": "BTR-404", "reason": "Onderzoek."},
    "POST /tasks/{task}/extend": {"new_due_at": "2020-01-01T00:00:00Z", "reason": "Te vroeg."},
    "POST /tasks/{task}/reassign": {"assignee": "cdt-1", "reason": "Overdracht."},
}


def expected(endpoint: str, role: str) -> int:
    status, allowed, see_but_not_allowed = MATRIX[endpoint]
    if role == "anonymous":
        return 401
    if role in allowed:
        return status
    if role in see_but_not_allowed or "{" not in endpoint:
        return 403
    return 404  # the case (or its task) does not exist for this caller


@pytest.fixture(scope="module")
def matrix_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp: Path = tmp_path_factory.mktemp("matrix")
    return Settings(
        data_dir=tmp,
        task_queue=f"matrix-{uuid.uuid4().hex[:8]}",
        local_signing_key_file=tmp / "key.pem",
    )


@pytest_asyncio.fixture(scope="module")
async def matrix(
    dev_env: WorkflowEnvironment, matrix_settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, str, str]]:
    """One case waiting for the commandant's keuze afhandeling, shared by the whole matrix."""
    engine = fresh_engine(matrix_settings.data_dir)

    async def provider() -> Client:
        return dev_env.client

    worker = build_worker(dev_env.client, engine, matrix_settings.task_queue)
    async with worker, http(create_app(matrix_settings, engine, provider)) as client:
        users = Users(client, lambda who: token_headers(matrix_settings, who))
        case_id = await users.register()
        await users.through_intake(case_id)
        task = await users.task("commandant", case_id, "keuze_afhandeling")
        yield client, case_id, task["task_id"]


def token_headers(settings: Settings, who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    return {"Authorization": f"Bearer {issue_local_token(settings, name=who, **USERS[who])}"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(MATRIX))
async def test_authorisation_matrix(matrix, matrix_settings, endpoint: str, role: str) -> None:
    client, case_id, task_id = matrix
    method, path = endpoint.split(" ")
    url = path.format(case=case_id, task=task_id)
    response = await client.request(
        method, url, json=BODIES.get(endpoint), headers=token_headers(matrix_settings, role)
    )
    assert response.status_code == expected(endpoint, role), response.text[:500]
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    if response.status_code == 404:
        assert case_id not in response.text or "no case" in response.json()["detail"]


@pytest.mark.parametrize("role", sorted(USERS))
async def test_case_lists_show_only_cases_in_scope(matrix, matrix_settings, role: str) -> None:
    client, case_id, _ = matrix
    listed = await client.get("/cases", headers=token_headers(matrix_settings, role))
    ids = [c["case_id"] for c in listed.json()["items"]]
    assert (case_id in ids) == (role in READ_CASE)
