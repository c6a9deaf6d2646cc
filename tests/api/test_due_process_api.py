"""The API applies the due-process rules early, with the same sentences as the workflow."""

from __future__ import annotations

from tests.api.helpers import Users


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
