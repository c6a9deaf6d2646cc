"""POST /tasks/{id}/claim and /release (issue 12): a jurist, whose role may not reassign, takes
up a task and gives it back; the refusals are problem+json with the reason."""

from __future__ import annotations

from tests.api.helpers import BESCHIKKING, Users


async def review_task(users: Users) -> tuple[str, str]:
    case_id = await users.register()
    await users.through_intake(case_id)
    keuze = {"keuze": "onderzoek_overwogen", "motivering": "Ernstig."}
    await users.complete("commandant", case_id, "keuze_afhandeling", keuze)
    weging = {"advies": "onderzoek", "motivering": "Concreet."}
    await users.complete("coid_adviseur", case_id, "weging", weging)
    await users.complete("commandant", case_id, "besluit_instelling", BESCHIKKING)
    task = await users.task("jurist", case_id, "review_beschikking")
    return case_id, str(task["task_id"])


async def test_a_jurist_claims_a_task_and_the_inbox_shows_who_has_it(api, headers) -> None:
    users = Users(api, headers)
    case_id, task_id = await review_task(users)

    wrong_role = await api.post(f"/tasks/{task_id}/claim", headers=headers("commandant"))
    assert wrong_role.status_code == 403
    assert wrong_role.headers["content-type"] == "application/problem+json"
    assert "needs the role jurist" in wrong_role.json()["detail"]
    not_claimed = await api.post(f"/tasks/{task_id}/release", headers=headers("jurist"))
    assert not_claimed.status_code == 409 and "not been claimed" in not_claimed.json()["detail"]

    claimed = await api.post(f"/tasks/{task_id}/claim", headers=headers("jurist"))
    assert claimed.status_code == 200, claimed.text
    mine = await users.task("jurist", case_id, "review_beschikking")
    assert mine["claimed_by"] == "jur-1" and mine["assignees"] == ["jur-1"]
    again = await api.post(f"/tasks/{task_id}/claim", headers=headers("jurist"))
    assert again.status_code == 409 and "already yours" in again.json()["detail"]

    released = await api.post(f"/tasks/{task_id}/release", headers=headers("jurist"))
    assert released.status_code == 200, released.text
    back = await users.task("jurist", case_id, "review_beschikking")
    assert back["claimed_by"] is None and back["assignees"] == []


async def test_a_role_that_may_reassign_releases_someone_elses_claim(api, headers) -> None:
    users = Users(api, headers)
    _, task_id = await review_task(users)
    assert (await api.post(f"/tasks/{task_id}/claim", headers=headers("jurist"))).status_code == 200

    nazorg = await api.post(f"/tasks/{task_id}/release", headers=headers("nazorg"))
    assert nazorg.status_code in (403, 404)  # not theirs to read, let alone release
    released = await api.post(f"/tasks/{task_id}/release", headers=headers("coid_adviseur"))
    assert released.status_code == 200, released.text
    stale = await api.post(f"/tasks/{task_id}/release", headers=headers("coid_adviseur"))
    assert stale.status_code == 409
