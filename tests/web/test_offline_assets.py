"""Isolated networks: /docs and every page load their CSS and JS from this package only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio
from sqlalchemy.engine import Engine

from api.main import create_app
from sg989.settings import Settings
from tests.api.conftest import http, no_temporal
from tests.web.conftest import Browser

STATIC = Path(__file__).parents[2] / "api" / "web" / "static"
# src=, href=, url(...) and @import that leave the host; xmlns is a name, never fetched.
EXTERNAL = re.compile(
    r"""(?:(?:src|href|action)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)\s*(?:https?:)?//([^/"'\s)>]+)""",
    re.I,
)
OWN_HOST = "sg989"  # the test client's base URL: links back to the app itself are fine


@pytest_asyncio.fixture
async def browser(people: Engine, settings: Settings) -> AsyncIterator[Browser]:
    async with http(create_app(settings, people, no_temporal)) as client:
        yield Browser(client)


def external_references(text: str) -> list[str]:
    return [
        text[max(0, m.start() - 40) : m.end() + 40]
        for m in EXTERNAL.finditer(text)
        if m[1].lower() != OWN_HOST
    ]


async def test_docs_load_swagger_ui_from_the_package(browser: Browser) -> None:
    page = await browser.get("/docs")
    assert page.status_code == 200
    assert external_references(page.text) == []
    assets = re.findall(r"""(?:src|href)=["']?(/static/[^"' >]+)""", page.text)
    assert {"/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css"} <= set(assets)
    for asset in assets:
        response = await browser.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 1000 or asset.endswith(".png"), asset


async def test_redoc_from_a_cdn_is_gone(browser: Browser) -> None:
    assert (await browser.get("/redoc")).status_code == 404


async def test_no_page_references_an_external_host(browser: Browser) -> None:
    pages = ["/app/aanmelden"]
    await browser.sign_in("commandant")
    pages += ["/app/taken", "/app/termijnen", "/app/meldingen/nieuw", "/app/rapportage"]
    for url in pages:
        page = await browser.get(url)
        assert page.status_code == 200, url
        assert external_references(page.text) == [], url
        for asset in re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", page.text):
            assert (await browser.get(asset)).status_code == 200, asset


def test_no_stylesheet_or_svg_of_the_package_fetches_from_elsewhere() -> None:
    for path in [*STATIC.glob("*.css"), *STATIC.glob("*.svg"), *STATIC.glob("swagger/*.css")]:
        assert external_references(path.read_text(encoding="utf-8")) == [], path


async def test_static_files_are_served(browser: Browser) -> None:
    response = await browser.get("/static/app.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]
    assert isinstance(response, httpx.Response)


def test_the_check_catches_a_cdn_reference() -> None:
    assert external_references('<script src="https://cdn.jsdelivr.net/npm/x.js"></script>')
    assert external_references("body{background:url(//fonts.example/f.woff)}")
    assert not external_references('<a href="http://sg989/app/taken">')
