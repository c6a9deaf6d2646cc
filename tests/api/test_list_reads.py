"""The case list and the inbox: who they leave out (a linked party, issue 7), what they log (every
melder contact they show, issue 9). Read straight from the store, without Temporal; the last test
drives the workflow to show a linked party cannot act either."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from api.reads import TaskFilter, inbox_page
from api.tokens import issue_local_token
from domain.case import Actor
from domain.roles import Role
from sg989.settings import Settings
from store.db import session_scope
from store.models import AccessLog, Case, CaseParty, Task
from tests.api.conftest import UNIT, http, no_temporal
from tests.api.helpers import Users

CONTACT = "melder-{n}@example.invalid"


@pytest_asyncio.fixture
async def store_api(settings: Settings, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with http(create_app(settings, engine, no_temporal)) as client:
        yield client


@pytest.fixture
def token(settings: Settings) -> Callable[..., dict[str, str]]:
    def for_user(sub: str, role: Role, units: tuple[str, ...] = ("CLAS",)) -> dict[str, str]:
        signed = issue_local_token(settings, sub=sub, name=sub, roles=[role], units=list(units))
        return {"Authorization": f"Bearer {signed}"}

    return for_user


def add_case(engine: Engine, n: int, *, adviser: str, party: str | None = None) -> str:
    """A case in weging whose intake ``adviser`` did, with an open task for the commandant."""
    case_id, now = f"ZK-2026-{n:05d}", datetime.now(UTC)
    with session_scope(engine) as session:
        session.add(
            Case(
                case_id=case_id, do="CLAS", unit=UNIT, category="financieel", channel="mid",
                melder_type="medewerker", phase="weging", melder_contact=CONTACT.format(n=n),
                description="Declaraties.", registered_at=now - timedelta(minutes=n),
                updated_at=now,
            )
        )  # fmt: skip
        session.flush()
        task = {"case_id": case_id, "phase": "weging", "unit": UNIT, "basis": "assumed"}
        session.add(
            Task(
                task_id=f"{case_id}-T1", task_type="intake_contact", role="coid_adviseur",
                label="Intake", status="done", completed_by=adviser, **task,
            )
        )  # fmt: skip
        session.add(
            Task(
                task_id=f"{case_id}-T2", task_type="keuze_afhandeling", role="commandant",
                label="Keuze", status="open", due_at=now + timedelta(days=n), **task,
            )
        )  # fmt: skip
        if party:
            session.add(CaseParty(case_id=case_id, sub=party))
    return case_id


def access_log(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(AccessLog).order_by(AccessLog.case_id, AccessLog.id)).all()  # type: ignore[arg-type]
    return [(r.case_id, r.sub, r.action) for r in rows]


async def test_every_contact_a_list_shows_is_logged_and_only_those(
    store_api, token, engine
) -> None:
    mine, theirs = add_case(engine, 1, adviser="coid-1"), add_case(engine, 2, adviser="coid-2")
    with engine.connect() as connection:  # sealed at rest: the list opens it
        stored = connection.execute(text('SELECT melder_contact FROM "case"')).scalars().all()
    assert all(value.startswith("sealed:") for value in stored)

    page = (await store_api.get("/cases", headers=token("coid-1", Role.coid_adviseur))).json()
    contacts = {c["case_id"]: c["melder_contact"] for c in page["items"]}
    assert contacts == {mine: CONTACT.format(n=1), theirs: None}
    await store_api.get("/cases", headers=token("cdt-1", Role.commandant, (UNIT,)))

    assert access_log(engine) == [
        (mine, "coid-1", "list"),
        (mine, "coid-1", "read_contact"),
        (mine, "cdt-1", "list"),
        (theirs, "coid-1", "list"),
        (theirs, "cdt-1", "list"),
    ]


async def test_a_linked_party_sees_neither_the_case_nor_its_tasks(store_api, token, engine) -> None:
    linked = add_case(engine, 1, adviser="coid-1", party="cdt-1")
    other = add_case(engine, 2, adviser="coid-1")
    party, colleague = token("cdt-1", Role.commandant, (UNIT,)), token("cdt-2", Role.commandant)

    inbox = (await store_api.get("/tasks", headers=party)).json()
    assert [t["case_id"] for t in inbox] == [other]
    assert (await store_api.get(f"/tasks?case={linked}", headers=party)).json() == []
    cases = (await store_api.get("/cases?count=true", headers=party)).json()
    assert ([c["case_id"] for c in cases["items"]], cases["total"]) == ([other], 1)
    assert (await store_api.get(f"/cases/{linked}", headers=party)).status_code == 404

    # The rule is about the person, not the role: another commandant sees both.
    inbox = (await store_api.get("/tasks", headers=colleague)).json()
    assert [t["case_id"] for t in inbox] == [linked, other]
    cases = (await store_api.get("/cases", headers=colleague)).json()
    assert {c["case_id"] for c in cases["items"]} == {linked, other}


async def test_the_inbox_page_the_web_app_reads_leaves_a_linked_case_out(engine) -> None:
    linked = add_case(engine, 1, adviser="coid-1", party="coid-1")
    other = add_case(engine, 2, adviser="coid-1")
    with session_scope(engine) as session:
        for case_id in (linked, other):
            session.add(
                Task(
                    task_id=f"{case_id}-T3", case_id=case_id, task_type="weging",
                    phase="weging", role="coid_adviseur", unit=UNIT, label="Weging",
                    status="open", basis="assumed", due_at=datetime.now(UTC),
                )
            )  # fmt: skip
    both_roles = Actor(
        sub="coid-1", name="A", roles=[Role.coid_adviseur, Role.commandant], units=["CLAS"]
    )
    with Session(engine) as session:
        page = inbox_page(session, both_roles, TaskFilter(), page_size=10)
    assert {(t.case_id, t.role) for t in page.items} == {
        (other, "coid_adviseur"),
        (other, "commandant"),
    }


async def test_a_linked_party_can_neither_complete_nor_claim_the_cases_task(
    api, headers, engine
) -> None:
    """Through the workflow: once linked, the commandant's own task is refused to them, and it
    stays open for a colleague."""
    users = Users(api, headers)
    case_id = await users.register()
    await users.through_intake(case_id)
    task = await users.task("commandant", case_id, "keuze_afhandeling")
    link = {"sub": "cdt-1", "party": "betrokkene", "reason": "De commandant is zelf betrokkene."}
    linked = await api.post(
        f"/cases/{case_id}/belangenconflict", json=link, headers=headers("coid_adviseur")
    )
    assert linked.status_code == 200, linked.text

    commandant = headers("commandant")
    inbox = (await api.get("/tasks", headers=commandant)).json()
    assert task["task_id"] not in [t["task_id"] for t in inbox]
    keuze = {"keuze": "onderzoek_overwogen", "motivering": "Ernstig."}
    completed = await api.post(f"/tasks/{task['task_id']}/complete", json=keuze, headers=commandant)
    claim = {"assignee": "cdt-1", "reason": "Ik pak deze op."}
    claimed = await api.post(f"/tasks/{task['task_id']}/reassign", json=claim, headers=commandant)
    assert (completed.status_code, claimed.status_code) == (404, 404)
    assert claimed.headers["content-type"] == "application/problem+json"
    with Session(engine) as session:
        row = session.get(Task, task["task_id"])
        assert row is not None and (row.status, row.assignees) == ("open", [])
