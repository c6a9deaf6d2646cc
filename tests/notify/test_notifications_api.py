"""GET /notifications lists the caller's own notifications and marks them read; the beheerder
sees what reached nobody."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine

from activities.mail import MailConfig
from activities.notify import Dispatcher
from sg989.mail_sink import MailSink
from sg989.settings import Settings
from tests.notify.api_helpers import auth
from tests.notify.outbox import add_case, add_note

CDT = {"sub": "cdt-1", "roles": ["commandant"], "units": ["CLAS/11LMB"]}
COID = {"sub": "coid-1", "roles": ["coid_adviseur"], "units": ["CLAS"]}


async def test_my_notifications_are_listed_and_marked_read(
    api: httpx.AsyncClient,
    settings: Settings,
    directory: Engine,
    sink: MailSink,
    mail_config: MailConfig,
) -> None:
    add_case(directory, "ZK-30")
    add_note(directory, "ZK-30", "commandant")
    add_note(directory, "ZK-30", "commandant", "herinnering")
    add_note(directory, "ZK-30", "coid_adviseur")
    await Dispatcher(directory, mail_config).once()

    first = await api.get("/notifications", headers=auth(settings, CDT))
    assert first.status_code == 200
    body = first.json()
    assert [n["kind"] for n in body] == ["herinnering", "nieuwe_taak"]  # newest first
    assert all(n["case_id"] == "ZK-30" and not n["read"] for n in body)
    assert all(n["status"] == "sent" and n["text"].startswith("Er is een taak") for n in body)

    again = await api.get("/notifications", headers=auth(settings, CDT))
    assert [n["read"] for n in again.json()] == [True, True]
    other = await api.get("/notifications", headers=auth(settings, COID))
    assert [n["kind"] for n in other.json()] == ["nieuwe_taak"]


async def test_the_beheerder_lists_and_retries_undeliverable_notifications(
    api: httpx.AsyncClient, settings: Settings, directory: Engine
) -> None:
    add_case(directory, "ZK-31")
    add_note(directory, "ZK-31", "voorzitter_hac", "escalatie")
    await Dispatcher(directory, MailConfig("127.0.0.1", 1, False, "", "", "a@b.example", "")).once()

    listed = await api.get("/notifications/undeliverable", headers=auth(settings))
    assert listed.status_code == 200
    [problem] = listed.json()
    assert problem["case_id"] == "ZK-31" and "voorzitter_hac" in problem["reason"]
    assert (
        await api.get("/notifications/undeliverable", headers=auth(settings, CDT))
    ).status_code == 403

    person = {
        "sub": "vz-1",
        "name": "Voorzitter",
        "email": "vz@example.org",
        "roles": ["voorzitter_hac"],
        "units": ["CLAS"],
    }
    assert (
        await api.post("/directory/people", json=person, headers=auth(settings))
    ).status_code == 201
    retried = await api.post("/notifications/undeliverable/retry", headers=auth(settings))
    assert retried.json() == {"resolved_again": 1}
    assert (await api.get("/notifications/undeliverable", headers=auth(settings))).json() == []
