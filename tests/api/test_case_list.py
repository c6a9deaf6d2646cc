"""GET /cases: filters, pagination and the OpenAPI documentation of the endpoints."""

from __future__ import annotations

import math
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

    page = (await api.get("/cases?page_size=2&count=true", headers=commandant)).json()
    assert (page["total"], len(page["items"]), page["items"][0]["case_id"]) == (3, 2, newest)
    second = (await api.get("/cases?page_size=2&page=2", headers=commandant)).json()
    assert [c["case_id"] for c in second["items"]] == [financieel]
    by_cursor = await api.get(
        f"/cases?page_size=2&cursor={page['next_cursor']}", headers=commandant
    )
    assert [c["case_id"] for c in by_cursor.json()["items"]] == [financieel]
    assert by_cursor.json()["next_cursor"] is None

    def total(query: str) -> int:
        return len(pages[query]["items"])

    queries = ["category=financieel", "phase=weging", "unit=CLAS/13LTBRIG", "overdue=true"]
    pages = {q: (await api.get(f"/cases?{q}", headers=commandant)).json() for q in queries}
    pages["overdue=false"] = (await api.get("/cases?overdue=false", headers=commandant)).json()
    assert [c["case_id"] for c in pages["category=financieel"]["items"]] == [financieel]
    assert (total("phase=weging"), total("unit=CLAS/13LTBRIG"), total("overdue=true")) == (0, 0, 0)
    assert total("overdue=false") == 3
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


async def test_unknown_query_parameters_and_foreign_cursors_are_refused(api, headers) -> None:
    commandant = headers("commandant")
    for url in ("/cases?status=gesloten", "/tasks?status=gesloten", "/health?verbose=1"):
        response = await api.get(url, headers=commandant)
        assert response.status_code == 422, url
        assert response.headers["content-type"] == "application/problem+json"
        assert "status" in response.json()["detail"] or "verbose" in response.json()["detail"]
    for url in ("/cases?cursor=bm9wZQ", "/tasks?cursor=%%%"):
        response = await api.get(url, headers=commandant)
        assert response.status_code == 422
        assert "cursor" in response.json()["detail"]


async def test_the_inbox_pages_by_cursor_and_filters_in_sql(api, headers, engine) -> None:
    users = Users(api, headers)
    first, second = await users.register(), await users.register()
    coid = headers("coid_adviseur")
    everything = (await api.get("/tasks", headers=coid)).json()
    assert {t["case_id"] for t in everything} == {first, second}

    seen, url = [], "/tasks?page_size=1"
    while url:
        response = await api.get(url, headers=coid)
        seen += response.json()
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else ""
    assert [t["task_id"] for t in seen] == [t["task_id"] for t in everything]

    only = (await api.get(f"/tasks?case={first}&task_type=intake_contact", headers=coid)).json()
    assert [(t["case_id"], t["task_type"]) for t in only] == [(first, "intake_contact")]
    assert (await api.get("/tasks?overdue=true", headers=coid)).json() == []
    # The window that just takes in the nearest deadline, and one day less: which tasks fall in
    # it depends on the weekday the cases opened on (working days), so it is worked out here.
    now = datetime.now(UTC)
    nearest = min(datetime.fromisoformat(t["due_at"]) for t in everything)
    days = math.ceil((nearest - now) / timedelta(days=1))
    soon = (await api.get(f"/tasks?due_within_days={days}", headers=coid)).json()
    limit = now + timedelta(days=days)
    expected = [t["task_id"] for t in everything if datetime.fromisoformat(t["due_at"]) <= limit]
    assert [t["task_id"] for t in soon] == expected and expected
    sooner = f"/tasks?due_within_days={days - 1}"
    assert (await api.get(sooner, headers=coid)).json() == []
    assert (await api.get("/tasks?phase=weging", headers=coid)).json() == []
    assert (await api.get("/tasks?unit=CLAS/13LTBRIG", headers=coid)).json() == []
