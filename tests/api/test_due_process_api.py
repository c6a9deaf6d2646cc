"""The API applies the due-process rules early, with the same sentences as the workflow."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from api import updates
from domain.case import Actor
from domain.requests import ExtendTask
from domain.roles import Role
from domain.workcalendar import CalendarPolicy, from_amsterdam, to_amsterdam
from tests.api.helpers import Users
from tests.workflows.test_paths import BESCHIKKING
from workflows.case import CaseWorkflow


async def test_a_measure_without_a_betrokkene_is_refused_before_temporal(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register(betrokkenen=[])
    await users.through_intake(case_id)
    await users.complete(
        "commandant", case_id, "keuze_afhandeling", {"keuze": "lijn", "motivering": "m"}
    )
    task = await users.task("commandant", case_id, "besluit_afdoening")
    refused = await api.post(
        f"/tasks/{task['task_id']}/complete",
        json={"maatregelen": ["waarschuwingsbrief"], "motivering": "m"},
        headers=headers("commandant"),
    )
    assert refused.status_code == 422
    assert "a measure always names a betrokkene" in refused.json()["detail"]


async def test_reassignment_goes_only_to_a_directory_person_holding_the_role(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    task = await users.task("commandant", case_id, "keuze_afhandeling")
    for assignee, why in (
        ("nobody-7", "not an active person"),
        ("jur-1", "does not hold the role"),
    ):
        refused = await api.post(
            f"/tasks/{task['task_id']}/reassign",
            json={"assignee": assignee, "reason": "Overdracht."},
            headers=headers("beheerder"),
        )
        assert refused.status_code == 422 and why in refused.json()["detail"]


async def test_reopening_and_early_nazorg_over_http(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    early = await api.post(
        f"/cases/{case_id}/nazorg", json={"reason": "Steun."}, headers=headers("commandant")
    )
    assert early.status_code == 409 and "once the weging is given" in early.json()["detail"]
    await users.complete(
        "commandant",
        case_id,
        "keuze_afhandeling",
        {"keuze": "klacht", "motivering": "m", "klacht_referentie": "COG-9"},
    )
    await users.complete(
        "coid_adviseur", case_id, "terugkoppeling_melder", {"verslag": "Uitkomst gemeld."}
    )  # issue 7: the melder hears the outcome before the case closes
    body = {"grond": "nieuwe_feiten", "reason": "Nieuwe getuige."}
    not_bg = await api.post(f"/cases/{case_id}/reopen", json=body, headers=headers("jurist"))
    assert not_bg.status_code == 403
    reopened = await api.post(f"/cases/{case_id}/reopen", json=body, headers=headers("commandant"))
    assert reopened.status_code == 200, reopened.text
    keuze = await users.task("commandant", case_id, "keuze_afhandeling")
    assert keuze["status"] == "open"


async def test_a_linked_party_never_sees_the_case(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)  # coid-1 is now the case's adviser
    assert (await api.get(f"/cases/{case_id}", headers=headers("jurist"))).status_code == 200
    link = {"sub": "jur-1", "party": "betrokkene", "reason": "De jurist is zelf betrokkene."}
    not_adviser = await api.post(
        f"/cases/{case_id}/belangenconflict", json=link, headers=headers("commandant")
    )
    assert not_adviser.status_code == 403
    linked = await api.post(
        f"/cases/{case_id}/belangenconflict", json=link, headers=headers("coid_adviseur")
    )
    assert linked.status_code == 200, linked.text
    assert (await api.get(f"/cases/{case_id}", headers=headers("jurist"))).status_code == 404
    assert (await api.get(f"/cases/{case_id}", headers=headers("commandant"))).status_code == 200
    timeline = await api.get(f"/cases/{case_id}/timeline", headers=headers("commandant"))
    assert "jur-1" not in timeline.text  # the link itself names nobody


async def test_the_commandant_may_give_the_terugkoppeling(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    task = await users.task("coid_adviseur", case_id, "terugkoppeling_melder")
    done = await api.post(
        f"/tasks/{task['task_id']}/complete",
        json={"verslag": "Melder gebeld over de voortgang."},
        headers=headers("commandant"),
    )
    assert done.status_code == 200, done.text


async def test_a_new_voornemen_needs_an_established_schending(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    await users.complete(
        "commandant", case_id, "keuze_afhandeling", {"keuze": "lijn", "motivering": "m"}
    )
    refused = await api.post(
        f"/cases/{case_id}/voornemens",
        json={"betrokkene": "BTR-1", "reason": "Zwaarder."},
        headers=headers("commandant"),
    )
    assert refused.status_code == 409 and "established schending" in refused.json()["detail"]


async def to_onderzoek(users: Users) -> str:
    case_id = await users.register()
    await users.through_intake(case_id)
    keuze = {"keuze": "onderzoek_overwogen", "motivering": "m"}
    await users.complete("commandant", case_id, "keuze_afhandeling", keuze)
    weging = {"advies": "onderzoek", "motivering": "Concreet."}
    await users.complete("coid_adviseur", case_id, "weging", weging)
    await users.complete("commandant", case_id, "besluit_instelling", BESCHIKKING)
    await users.complete("jurist", case_id, "review_beschikking", {"akkoord": True})
    return case_id


async def test_the_extend_route_asks_the_clock_who_may_extend_before_temporal(
    api, headers, dev_worker, monkeypatch
) -> None:
    """Issue 7 item 4: the onderzoek only by the BG. The API applies the workflow's own rule
    (domain.rules.terms) before any Update is sent, and refuses with the workflow's sentence."""
    users = Users(api, headers)
    case_id = await to_onderzoek(users)
    concept = await users.task("onderzoeker", case_id, "concept_rapport")
    due = datetime.fromisoformat(concept["due_at"])
    new_due = due + timedelta(weeks=2)
    url = f"/tasks/{concept['task_id']}/extend"
    body = {"new_due_at": new_due.isoformat(), "reason": "Extra getuigen."}
    coid = Actor(sub="coid-1", name="c", roles=[Role.coid_adviseur], units=["CLAS"])
    with pytest.raises(WorkflowUpdateFailedError) as workflow_says:
        await dev_worker.client.get_workflow_handle(case_id).execute_update(
            CaseWorkflow.extend_task,
            ExtendTask(actor=coid, task_id=concept["task_id"], new_due_at=new_due, reason="r"),
        )

    async def never(*args: object) -> None:
        raise AssertionError("a refused extension must not reach Temporal")

    monkeypatch.setattr(updates, "run_update", never)
    sentence = workflow_says.value.cause.message
    assert sentence == f"extending the term for '{concept['label']}' needs the role commandant"
    for who in ("coid_adviseur", "jurist"):  # both may extend other clocks, not this one
        refused = await api.post(url, json=body, headers=headers(who))
        assert refused.status_code == 403 and refused.json()["detail"] == sentence
    too_far = {**body, "new_due_at": (due + timedelta(weeks=500)).isoformat()}
    refused = await api.post(url, json=too_far, headers=headers("commandant"))
    assert refused.status_code == 422 and "at the latest" in refused.json()["detail"]
    monkeypatch.undo()
    allowed = await api.post(url, json=body, headers=headers("commandant"))
    assert allowed.status_code == 200, allowed.text


async def test_an_extension_ends_at_the_end_of_a_working_day(api, headers) -> None:
    users = Users(api, headers)
    case_id = await to_onderzoek(users)
    concept = await users.task("onderzoeker", case_id, "concept_rapport")
    calendar = CalendarPolicy()
    day = datetime.fromisoformat(concept["due_at"]).date() + timedelta(days=7)
    while not (day.weekday() == 5 and calendar.is_working_day(day + timedelta(days=2))):
        day += timedelta(days=1)
    saturday_noon = from_amsterdam(datetime.combine(day, time(12)))
    extended = await api.post(
        f"/tasks/{concept['task_id']}/extend",
        json={"new_due_at": saturday_noon.isoformat(), "reason": "Extra getuigen."},
        headers=headers("commandant"),
    )
    assert extended.status_code == 200, extended.text
    moved = await users.task("onderzoeker", case_id, "concept_rapport")
    local = to_amsterdam(datetime.fromisoformat(moved["due_at"]))
    assert (local.date(), local.time()) == (day + timedelta(days=2), time(17))
