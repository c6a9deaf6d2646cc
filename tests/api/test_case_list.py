"""GET /cases: filters, pagination and the OpenAPI documentation of the endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.db import session_scope
from store.models import Task
from tests.api.helpers import Users


async def test_filters_and_pages(api, headers) -> None:
    users = Users(api, headers)
    financieel = await users.register(category="financieel")
    await users.register()
    newest = await users.register()
    commandant = headers("commandant")

    page = (await api.get("/cases?page_size=2", headers=commandant)).json()
    assert (page["total"], len(page["items"]), page["items"][0]["case_id"]) == (3, 2, newest)
    second = (await api.get("/cases?page_size=2&page=2", headers=commandant)).json()
    assert [c["case_id"] for c in second["items"]] == [financieel]

    only = (await api.get("/cases?category=financieel", headers=commandant)).json()
    assert [c["case_id"] for c in only["items"]] == [financieel]
    assert (await api.get("/cases?phase=weging", headers=commandant)).json()["total"] == 0
    assert (await api.get("/cases?unit=CLAS/13LTBRIG", headers=commandant)).json()["total"] == 0
    assert (await api.get("/cases?overdue=true", headers=commandant)).json()["total"] == 0
    assert (await api.get("/cases?overdue=false", headers=commandant)).json()["total"] == 3
    bad = await api.get("/cases?phase=nergens", headers=commandant)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.phase"


async def test_openapi_documents_examples_and_bearer_auth(api) -> None:
    schema = (await api.get("/openapi.json")).json()
    complete = schema["paths"]["/tasks/{task_id}/complete"]["post"]
    examples = complete["requestBody"]["content"]["application/json"]["examples"]
    assert {"weging", "besluit_instelling", "besluit_afdoening", "nazorg_afspraak"} <= set(examples)
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert schema["components"]["schemas"]["MeldingIn"]["examples"]
    assert {"409", "422", "503"} <= set(complete["responses"])


async def test_overdue_and_escalated_tasks_are_flagged_and_sorted_first(
    api, headers, engine
) -> None:
    """Deadlines pass in weeks; the store is set to how it looks after an escalation."""
    users = Users(api, headers)
    case_id = await users.register()
    await users.register()
    late = await users.task("coid_adviseur", case_id, "ontvangstbevestiging")
    with session_scope(engine) as session:
        row = session.get(Task, late["task_id"])
        row.due_at = datetime.now(UTC) - timedelta(days=2)
        row.escalation_level = 1

    inbox = (await api.get("/tasks", headers=headers("coid_adviseur"))).json()
    assert inbox[0]["task_id"] == late["task_id"]
    assert (inbox[0]["overdue"], inbox[0]["escalated"]) == (True, True)
    assert not any(t["overdue"] for t in inbox[1:])
    overdue = (await api.get("/cases?overdue=true", headers=headers("commandant"))).json()
    assert [c["case_id"] for c in overdue["items"]] == [case_id]
