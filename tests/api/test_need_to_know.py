"""Section 6: the melder's contact for the COID only, no names for auditors, reads are logged."""

from __future__ import annotations

from sqlmodel import Session, select

from store.models import AccessLog
from tests.api.helpers import Users


async def case_in_onderzoek(users: Users) -> str:
    case_id = await users.register()
    await users.into_onderzoek(case_id)
    return case_id


async def test_each_role_sees_only_what_it_needs(api, headers) -> None:
    users = Users(api, headers)
    case_id = await case_in_onderzoek(users)
    coid = await users.case("coid_adviseur", case_id)
    commandant = await users.case("commandant", case_id)
    auditor = await users.case("auditor", case_id)
    onderzoeker = await users.case("onderzoeker", case_id)

    assert coid["melder_contact"] == "melder@example.invalid"
    for view in (commandant, auditor, onderzoeker):
        assert view["melder_contact"] is None and "melder_contact" in view["hidden_fields"]
    assert commandant["description"] and onderzoeker["description"]
    assert auditor["description"] is None
    assert auditor["betrokkenen"] == [
        {
            "ref": "betrokkene 1",
            "in_onderzoek": True,
            "schending": None,
            "maatregelen": [],
            "bezwaar": None,
            "geschorst": False,
        }
    ]
    assert commandant["betrokkenen"][0]["ref"] == "BTR-1"
    assert auditor["open_tasks"][0]["assignees"] is None
    assert commandant["open_tasks"][0]["assignees"] == ["ond-1"]
    assert (coid["visible_as"], auditor["visible_as"]) == ("coid_adviseur", "auditor")


async def test_an_investigator_sees_a_case_only_once_named_in_the_beschikking(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    before = await api.get(f"/cases/{case_id}", headers=headers("onderzoeker"))
    assert before.status_code == 404
    assert before.json()["detail"] == f"no case {case_id} within your units and roles"
    unknown = await api.get("/cases/ZK-2026-99999999", headers=headers("commandant"))
    assert unknown.json()["detail"] == "no case ZK-2026-99999999 within your units and roles"


async def test_auditors_read_the_timeline_without_names_or_free_text(api, headers) -> None:
    users = Users(api, headers)
    case_id = await case_in_onderzoek(users)
    audit = await api.get(f"/cases/{case_id}/timeline", headers=headers("auditor"))
    full = await api.get(f"/cases/{case_id}/timeline", headers=headers("commandant"))
    assert audit.status_code == full.status_code == 200
    text = audit.text
    for personal in ("cdt-1", "coid-1", "Test commandant", "ond-1", "Melder gesproken", "Ernstig."):
        assert personal not in text
    assert {e["actor_name"] for e in audit.json()["events"]} == {None}
    assert [e["event_type"] for e in audit.json()["events"]] == [
        e["event_type"] for e in full.json()["events"]
    ]
    assert all(p in full.text for p in ("cdt-1", "Test commandant", "ond-1", "Ernstig."))
    # The commandant does not read what the melder told the COID at intake.
    intake = next(
        e
        for e in full.json()["events"]
        if e["event_type"] == "taak_afgerond" and e["details"]["task_type"] == "intake_contact"
    )
    assert intake["details"]["besluit"] == "[need-to-know]"


async def test_every_read_of_a_case_is_logged_with_role(api, headers, engine) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.case("coid_adviseur", case_id)
    await api.get(f"/cases/{case_id}/timeline", headers=headers("auditor"))
    await api.get("/cases", headers=headers("commandant"))
    await api.get(f"/cases/{case_id}", headers=headers("outsider"))  # 404: not a read
    with Session(engine) as session:
        rows = session.exec(select(AccessLog).where(AccessLog.case_id == case_id)).all()
    assert [(r.sub, r.role, r.action) for r in rows] == [
        ("coid-1", "coid_adviseur", "read"),
        ("coid-1", "coid_adviseur", "read_contact"),
        ("aud-1", "auditor", "timeline"),
        ("cdt-1", "commandant", "list"),
    ]


async def test_inbox_lists_own_open_tasks_by_due_date(api, headers) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    inbox = (await api.get("/tasks", headers=headers("coid_adviseur"))).json()
    # Opened on a Monday, both end at the same moment; any other day the intake contact first.
    assert {t["task_type"] for t in inbox} == {"intake_contact", "ontvangstbevestiging"}
    assert [t["due_at"] for t in inbox] == sorted(t["due_at"] for t in inbox)
    assert all(t["case_id"] == case_id and not t["overdue"] and not t["escalated"] for t in inbox)
    assert (await api.get("/tasks", headers=headers("outsider"))).json() == []


async def test_the_melder_is_known_to_the_case_adviser_not_every_adviser_of_the_do(
    api, headers, settings
) -> None:
    from api.tokens import issue_local_token
    from domain.roles import Role

    token = issue_local_token(
        settings, sub="coid-2", name="Tweede adviseur", roles=[Role.coid_adviseur], units=["CLAS"]
    )
    other_adviser = {"Authorization": f"Bearer {token}"}
    users = Users(api, headers)
    case_id = await users.register()

    async def contact_seen_by_other() -> object:
        view = (await api.get(f"/cases/{case_id}", headers=other_adviser)).json()
        return view["melder_contact"]

    # Before anyone takes the intake, every adviser of the DO may: one of them must.
    assert await contact_seen_by_other() == "melder@example.invalid"
    await users.through_intake(case_id)  # coid-1 takes it
    assert (await users.case("coid_adviseur", case_id))[
        "melder_contact"
    ] == "melder@example.invalid"
    assert await contact_seen_by_other() is None
    view = (await api.get(f"/cases/{case_id}", headers=other_adviser)).json()
    assert "melder_contact" in view["hidden_fields"] and view["description"]

    def intake_notes(timeline: dict) -> list[object]:
        return [
            e["details"]["besluit"]
            for e in timeline["events"]
            if e["details"].get("task_type") == "intake_contact" and "besluit" in e["details"]
        ]

    own = (await api.get(f"/cases/{case_id}/timeline", headers=headers("coid_adviseur"))).json()
    other = (await api.get(f"/cases/{case_id}/timeline", headers=other_adviser)).json()
    assert intake_notes(own) and intake_notes(own)[0] != "[need-to-know]"
    assert intake_notes(other) == ["[need-to-know]"]
