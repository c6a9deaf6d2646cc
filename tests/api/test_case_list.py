"""GET /cases: filters, pagination and the OpenAPI documentation of the endpoints."""

from __future__ import annotations

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
