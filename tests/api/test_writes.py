"""Completing, extending and reassigning tasks: races, conflicts, bad payloads, outages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlmodel import Session, select
from temporalio.client import Client

from api.main import create_app
from domain.workcalendar import CalendarPolicy
from store.models import AuditEvent, Case, CaseRegistration, Task
from tests.api.conftest import MELDING, http
from tests.api.helpers import Users

KEUZE = {"keuze": "onderzoek_overwogen", "motivering": "Ernstig."}


async def test_two_people_completing_one_task_exactly_one_wins(api, headers, engine) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    task = await users.task("coid_adviseur", case_id, "intake_contact")
    url = f"/tasks/{task['task_id']}/complete"
    payloads = [{"samenvatting": "Eerste versie."}, {"samenvatting": "Tweede versie."}]
    responses = await asyncio.gather(
        *(api.post(url, json=p, headers=headers("coid_adviseur")) for p in payloads)
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.headers["content-type"] == "application/problem+json"
    assert "no longer open" in loser.json()["detail"]
    with Session(engine) as session:
        done = select(AuditEvent).where(
            AuditEvent.event_type == "taak_afgerond", AuditEvent.case_id == case_id
        )
        assert len(session.exec(done).all()) == 1


async def test_completing_a_done_task_again_is_a_conflict(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    task = await users.task("commandant", case_id, "keuze_afhandeling")
    await users.complete("commandant", case_id, "keuze_afhandeling", KEUZE)
    again = await api.post(
        f"/tasks/{task['task_id']}/complete", json=KEUZE, headers=headers("commandant")
    )
    assert again.status_code == 409
    assert (await users.case("commandant", case_id))["phase"] == "weging"


async def test_a_payload_that_does_not_fit_its_task_names_each_field(api, headers, engine) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    task = await users.task("commandant", case_id, "keuze_afhandeling")
    bad = {"keuze": "negeren", "extra": 1}
    response = await api.post(
        f"/tasks/{task['task_id']}/complete", json=bad, headers=headers("commandant")
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] == "about:blank"
    assert {e["field"] for e in problem["errors"]} == {
        "payload.keuze",
        "payload.motivering",
        "payload.extra",
    }
    with Session(engine) as session:
        assert session.get(Task, task["task_id"]).status == "open"


async def test_a_rule_of_the_workflow_comes_back_as_problem_json(api, headers) -> None:
    """The workflow validator, not the API, knows the betrokkenen of the case."""
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    await users.complete("commandant", case_id, "keuze_afhandeling", KEUZE)
    await users.complete(
        "coid_adviseur", case_id, "weging", {"advies": "onderzoek", "motivering": "Concreet."}
    )
    task = await users.task("commandant", case_id, "besluit_instelling")
    beschikking = {
        "besluit": "instellen",
        "onderzoeksopdracht": "Feiten.",
        "onderzoekers": ["ond-1"],
        "betrokkenen": ["BTR-9"],
    }
    response = await api.post(
        f"/tasks/{task['task_id']}/complete", json=beschikking, headers=headers("commandant")
    )
    assert response.status_code == 422
    assert "BTR-9" in response.json()["detail"]


async def test_extend_and_reassign(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    task = await users.task("commandant", case_id, "keuze_afhandeling")
    later = (datetime.now(UTC) + timedelta(days=60)).replace(hour=12, minute=0, second=0)
    while not CalendarPolicy().is_working_day(later.date()):  # an extension ends on a working day
        later += timedelta(days=1)
    extended = await api.post(
        f"/tasks/{task['task_id']}/extend",
        json={"new_due_at": later.isoformat(), "reason": "Commandant op missie."},
        headers=headers("commandant"),
    )
    assert extended.status_code == 200, extended.text
    moved = await users.task("commandant", case_id, "keuze_afhandeling")
    assert moved["due_at"].startswith(later.date().isoformat()) and moved["extensions"] == 1

    reassigned = await api.post(
        f"/tasks/{task['task_id']}/reassign",
        json={"assignee": "cdt-2", "reason": "Wisseling van commando."},
        headers=headers("beheerder"),
    )
    assert reassigned.status_code == 200
    inbox = (await api.get("/tasks", headers=headers("commandant"))).json()
    assert task["task_id"] not in [t["task_id"] for t in inbox]
    refused = await api.post(
        f"/tasks/{task['task_id']}/complete", json=KEUZE, headers=headers("commandant")
    )
    assert refused.status_code == 403 and "assigned to cdt-2" in refused.json()["detail"]


async def test_a_deadline_that_may_not_move_is_a_conflict(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    task = await users.task("coid_adviseur", case_id, "ontvangstbevestiging")
    response = await api.post(
        f"/tasks/{task['task_id']}/extend",
        json={"new_due_at": "2030-01-15T12:00:00Z", "reason": "Later."},
        headers=headers("coid_adviseur"),
    )
    assert response.status_code == 409 and "cannot be extended" in response.json()["detail"]


async def test_a_closed_case_accepts_no_change(api, headers, engine) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    await users.complete(
        "commandant",
        case_id,
        "keuze_afhandeling",
        {"keuze": "klacht", "motivering": "COG.", "klacht_referentie": "K-1"},
    )
    await users.complete(
        "coid_adviseur", case_id, "terugkoppeling_melder", {"verslag": "Uitkomst gemeld."}
    )  # issue 7: the melder hears the outcome before the case closes
    case = await users.case("commandant", case_id)
    assert (case["status"], case["outcome"]) == ("gesloten", "doorverwezen_klacht")
    with Session(engine) as session:
        cancelled = session.exec(
            select(Task).where(Task.case_id == case_id, Task.status == "cancelled")
        ).first()
    response = await api.post(
        f"/tasks/{cancelled.task_id}/extend",
        json={"new_due_at": "2030-01-15T12:00:00Z", "reason": "Te laat."},
        headers=headers("coid_adviseur"),
    )
    assert response.status_code == 409 and "closed" in response.json()["detail"]


async def test_temporal_down_gives_503_and_changes_nothing(
    api_without_temporal, headers, engine
) -> None:
    response = await api_without_temporal.post(
        "/cases", json=MELDING, headers=headers("commandant")
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "Temporal" in response.json()["detail"]
    health = await api_without_temporal.get("/health")
    assert health.status_code == 503 and health.json()["checks"]["store"] == "ok"
    assert health.json()["checks"]["temporal"].startswith("unreachable")


async def test_health_when_all_is_up(api) -> None:
    response = await api.get("/health")
    assert response.status_code == 200 and response.json()["checks"] == {
        "store": "ok",
        "temporal": "ok",
    }


async def test_a_melding_whose_workflow_cannot_start_leaves_no_trace(
    dev_env, engine, settings, headers
) -> None:
    broken = Client(
        dev_env.client.service_client,
        namespace="no-such-namespace",
        data_converter=dev_env.client.data_converter,
    )

    async def provider() -> Client:
        return broken

    async with http(create_app(settings, engine, provider)) as client:
        response = await client.post("/cases", json=MELDING, headers=headers("commandant"))
    assert response.status_code == 503
    with Session(engine) as session:
        mine = select(CaseRegistration).where(CaseRegistration.requested_by == "cdt-1")
        assert session.exec(mine).all() == [] and session.exec(select(Case)).all() == []


async def test_log_lines_of_a_request_carry_its_id_and_case_number(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    task = await users.task("coid_adviseur", case_id, "intake_contact")
    lines: list[dict] = []

    def keep(_logger, _name, event: dict) -> dict:
        lines.append(dict(event))
        raise structlog.DropEvent

    structlog.configure(processors=[structlog.contextvars.merge_contextvars, keep])
    try:
        await api.post(
            f"/tasks/{task['task_id']}/complete",
            json={"samenvatting": "Gesproken."},
            headers={**headers("coid_adviseur"), "X-Request-ID": "req-7"},
        )
        created = await api.post(
            "/cases", json=MELDING, headers={**headers("commandant"), "X-Request-ID": "req-8"}
        )
    finally:
        structlog.reset_defaults()
    mine = [line for line in lines if line.get("request_id") == "req-7"]
    assert {line["event"] for line in mine} >= {"case_updated", "request"}
    assert all(line["case_id"] == case_id for line in mine)
    registration = [line for line in lines if line.get("request_id") == "req-8"]
    assert {line["event"] for line in registration} >= {"melding_registered", "request"}
    assert {line["case_id"] for line in registration} == {created.json()["case_id"]}


async def test_a_body_that_is_not_json_is_400(api, headers) -> None:
    response = await api.post(
        "/cases",
        content=b"{not json",
        headers={**headers("commandant"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "the body is not valid JSON"


async def test_schorsing_starts_its_review_and_withdrawal_closes_the_case(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    schorsing = {"betrokkene": "BTR-1", "reason": "Belang van het onderzoek."}
    not_commandant = await api.post(
        f"/cases/{case_id}/schorsingen", json=schorsing, headers=headers("coid_adviseur")
    )
    assert not_commandant.status_code == 403
    recorded = await api.post(
        f"/cases/{case_id}/schorsingen", json=schorsing, headers=headers("commandant")
    )
    assert recorded.status_code == 200
    review = await users.task("commandant", case_id, "schorsing_review")
    assert review["betrokkene"] == "BTR-1"
    twice = await api.post(
        f"/cases/{case_id}/schorsingen", json=schorsing, headers=headers("commandant")
    )
    assert twice.status_code == 409 and "already recorded" in twice.json()["detail"]

    while_geschorst = await api.post(
        f"/cases/{case_id}/withdraw",
        json={"reason": "Melder trekt in."},
        headers=headers("coid_adviseur"),
    )  # a case does not close while a betrokkene is geschorst (issue 7)
    assert while_geschorst.status_code == 409 and "geschorst" in while_geschorst.json()["detail"]
    await users.complete(
        "commandant", case_id, "schorsing_review", {"besluit": "opheffen", "motivering": "m"}
    )
    withdrawn = await api.post(
        f"/cases/{case_id}/withdraw",
        json={"reason": "Melder trekt in."},
        headers=headers("coid_adviseur"),
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "open"
    await users.complete(
        "coid_adviseur", case_id, "terugkoppeling_melder", {"verslag": "Uitkomst gemeld."}
    )  # issue 7: the melder hears the outcome before the case closes
    case = await users.case("commandant", case_id)
    assert (case["outcome"], case["open_tasks"]) == ("ingetrokken", [])
    again = await api.post(
        f"/cases/{case_id}/withdraw", json={"reason": "Nogmaals."}, headers=headers("commandant")
    )
    assert again.status_code == 409
    outsider = await api.post(
        f"/cases/{case_id}/withdraw", json={"reason": "x"}, headers=headers("outsider")
    )
    assert outsider.status_code == 404
