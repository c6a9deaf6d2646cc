"""Signing in and out, sessions that expire, CSRF on every form, OIDC refusing the local list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.engine import Engine

from api.main import create_app
from api.web.session import SESSION_COOKIE, session_secret
from sg989.settings import Settings
from tests.api.conftest import http, no_temporal
from tests.web.conftest import Browser


@pytest_asyncio.fixture
async def offline(people: Engine, settings: Settings) -> AsyncIterator[Any]:
    """The web app with Temporal down: signing in and reading need only the store."""
    clients: list[httpx.AsyncClient] = []

    async def open_as(who: str | None = None, **changes: Any) -> Browser:
        app = create_app(settings.model_copy(update=changes), people, no_temporal)
        client = http(app)
        clients.append(client)
        browser = Browser(client)
        if who:
            await browser.sign_in(who)
        return browser

    yield open_as
    for client in clients:
        await client.aclose()


async def test_sign_in_page_lists_active_people_only(offline: Any) -> None:
    page = await (await offline()).get("/app/aanmelden")
    assert page.status_code == 200
    assert "Kolonel De Vries" in page.text and "Mr. A. Jansen" in page.text
    assert "Oud Personeel" not in page.text  # inactive


async def test_signed_in_person_sees_their_name_and_roles(offline: Any) -> None:
    browser = await offline("commandant")
    page = await browser.get("/app/taken")
    assert page.status_code == 200
    assert "Kolonel De Vries" in page.text and "Commandant" in page.text
    assert "Nieuwe melding" in page.text  # a commandant may register


async def test_pages_need_a_session(offline: Any) -> None:
    browser = await offline()
    for url in ("/app/taken", "/app/termijnen", "/app/zaken/ZK-1", "/app/audit"):
        response = await browser.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/app/aanmelden")


async def test_inactive_or_unknown_person_cannot_sign_in(offline: Any) -> None:
    browser = await offline()
    for sub in ("oud-1", "nobody"):
        response = await browser.post("/app/aanmelden", {"sub": sub})
        assert response.headers["location"].startswith("/app/aanmelden?reden=")
        assert (await browser.get("/app/taken")).status_code == 303


async def test_a_form_without_the_csrf_token_is_refused(offline: Any) -> None:
    browser = await offline("commandant")
    for token in ("", "forged"):
        response = await browser.client.post("/app/afmelden", data={"csrf_token": token})
        assert response.status_code == 403
        assert "Formulier geweigerd" in response.text
    assert (await browser.get("/app/taken")).status_code == 200  # still signed in


async def test_sign_out_ends_the_session(offline: Any) -> None:
    browser = await offline("commandant")
    response = await browser.post("/app/afmelden")
    assert response.headers["location"].startswith("/app/aanmelden")
    assert (await browser.get("/app/taken")).status_code == 303


async def test_an_expired_session_sends_the_person_to_sign_in(
    offline: Any, settings: Settings
) -> None:
    browser = await offline("commandant")
    old = URLSafeTimedSerializer(session_secret(settings), salt="sessie")
    cookie = old.dumps({"sub": "cdt-1", "name": "x", "roles": ["commandant"], "units": ["CLAS"]})
    browser.client.cookies.set(SESSION_COOKIE, cookie)
    expired = await offline(web_session_minutes=0)
    expired.client.cookies.set(SESSION_COOKIE, cookie)
    import time

    time.sleep(1.1)
    response = await expired.get("/app/taken")
    assert response.status_code == 303
    assert "verlopen" in httpx.URL(response.headers["location"]).params["reden"]


async def test_a_tampered_session_cookie_is_not_a_session(offline: Any) -> None:
    browser = await offline("commandant")
    value = browser.client.cookies[SESSION_COOKIE]
    browser.client.cookies.set(SESSION_COOKIE, value[:-2] + "xx")
    assert (await browser.get("/app/taken")).status_code == 303


async def test_local_sign_in_is_refused_when_oidc_is_configured(offline: Any) -> None:
    browser = await offline(oidc_issuer="https://idp.example", oidc_client_id="sg989")
    page = await browser.get("/app/aanmelden")
    assert "Kolonel De Vries" not in page.text
    assert "/app/oidc/aanmelden" in page.text
    response = await browser.post("/app/aanmelden", {"sub": "cdt-1"})
    assert response.status_code == 403
    assert (await browser.get("/app/taken")).status_code == 303


@pytest.mark.parametrize("who", ["onderzoeker", "jurist", "auditor"])
async def test_only_registrars_get_the_melding_form(offline: Any, who: str) -> None:
    browser = await offline(who)
    assert (await browser.get("/app/meldingen/nieuw")).status_code == 403


async def test_errors_on_the_app_are_pages_and_stay_json_on_the_api(offline: Any) -> None:
    browser = await offline("commandant")
    missing = await browser.get("/app/bestaat-niet")
    assert missing.status_code == 404 and "Deze pagina bestaat niet." in missing.text
    bad = await browser.get("/app/taken?pagina=nul")
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    api = await browser.get("/cases/ZK-1")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")
    api_missing = await browser.get("/bestaat-niet")
    assert api_missing.headers["content-type"].startswith("application/problem+json")
