"""The web app over HTTP (httpx in-process, and chromium for the browser tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from sg989.settings import Settings
from store.db import session_scope
from store.models import Person
from tests.api.conftest import USERS, engine, http, key_file, settings  # noqa: F401

NAMES = {
    "commandant": "Kolonel De Vries",
    "coid_adviseur": "Mr. A. Jansen",
    "onderzoeker": "Kapitein Bakker",
    "jurist": "Mr. C. Visser",
    "hac": "Dr. H. Smit",
    "nazorg": "Sergeant Mulder",
    "auditor": "Drs. E. de Boer",
    "beheerder": "B. Beheer",
    "outsider": "Kolonel Buiten",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_people(engine: Engine) -> None:  # noqa: F811
    """The web's directory: names and addresses for the people the API tests already seed."""
    with session_scope(engine) as session:
        for who, user in USERS.items():
            session.merge(Person(name=NAMES[who], email=f"{user['sub']}@mil.example", **user))
        session.merge(
            Person(sub="ond-2", name="Luitenant Smits", roles=["onderzoeker"], units=["CLAS"])
        )
        session.merge(
            Person(
                sub="oud-1",
                name="Oud Personeel",
                roles=["commandant"],
                units=["CLAS"],
                active=False,
            )
        )


@pytest.fixture
def people(engine: Engine) -> Engine:  # noqa: F811
    seed_people(engine)
    return engine


class Browser:
    """One person's browser over httpx: cookies kept, the CSRF token read from each page."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        response = await self.client.get(url, **kw)
        if match := CSRF.search(response.text):
            self.csrf = match[1]
        return response

    async def post(self, url: str, data: dict[str, Any] | None = None) -> httpx.Response:
        if not self.csrf:
            await self.get("/app/aanmelden")
        return await self.client.post(url, data={"csrf_token": self.csrf, **(data or {})})

    async def sign_in(self, who: str) -> httpx.Response:
        await self.get("/app/aanmelden")
        response = await self.post("/app/aanmelden", {"sub": USERS[who]["sub"]})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/app/taken"
        return response


@pytest_asyncio.fixture
async def web_app(
    dev_worker: WorkflowEnvironment,
    people: Engine,
    settings: Settings,  # noqa: F811
) -> AsyncIterator[Any]:
    async def provider() -> Client:
        return dev_worker.client

    yield create_app(settings, people, provider)


@pytest_asyncio.fixture
async def browsers(web_app: Any) -> AsyncIterator[Any]:
    """A fresh browser (cookie jar) per person: ``await browsers('commandant')``."""
    opened: list[httpx.AsyncClient] = []

    async def open_as(who: str | None = None) -> Browser:
        client = http(web_app)
        opened.append(client)
        browser = Browser(client)
        if who:
            await browser.sign_in(who)
        return browser

    yield open_as
    for client in opened:
        await client.aclose()
