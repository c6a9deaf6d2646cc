"""Browser-test plumbing: Debian's chromium through Playwright, the app on a real port, axe-core,
and a screenshot of every page a test visits."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# The screenshots in the README are refreshed by `make screenshots`; a plain test run keeps
# its own under a temporary folder, so running the tests never changes a tracked file.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("SG989_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "sg989-screenshots"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING = ("serious", "critical")


def ensure_chromium() -> None:
    """Install Debian's chromium when missing (.ci/ensure-chromium); skip only if that fails."""
    if CHROMIUM.exists():
        return
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "ensure-chromium")], capture_output=True, text=True
    )
    if result.returncode != 0 or not CHROMIUM.exists():
        pytest.skip(f"chromium cannot be installed here: {result.stderr.strip()[-300:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def serve(app: Any) -> AsyncIterator[str]:
    """The app on a real port in this event loop (so it shares the test's Temporal worker)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def launch() -> AsyncIterator[Browser]:
    ensure_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        await browser.close()


class Person:
    """One person in their own browser context: signs in, visits pages, checks each with axe."""

    def __init__(self, context: BrowserContext, page: Page, base: str, name: str) -> None:
        self.context, self.page, self.base, self.name = context, page, base, name
        self.outside: list[str] = []
        self.axe = Axe()
        self.checked: set[str] = set()

    @classmethod
    async def open(cls, browser: Browser, base: str, name: str) -> Person:
        context = await browser.new_context(base_url=base, locale="nl-NL")
        page = await context.new_page()
        person = cls(context, page, base, name)
        await context.route(re.compile(r"^(?!http://127\.0\.0\.1).*"), person._refuse)
        return person

    async def _refuse(self, route: Any) -> None:
        self.outside.append(route.request.url)  # an isolated network: nothing leaves the host
        await route.abort()

    async def sign_in(self) -> None:
        await self.goto("/app/aanmelden", shot="aanmelden")
        await self.page.get_by_label(self.name, exact=False).check()
        await self.page.get_by_role("button", name="Aanmelden").click()
        await self.page.wait_for_url("**/app/taken")

    async def goto(self, url: str, shot: str | None = None) -> None:
        await self.page.goto(url)
        await self.settled(shot)

    async def settled(self, shot: str | None = None) -> None:
        """After each navigation: no serious or critical axe violation, and a screenshot."""
        await self.page.wait_for_load_state("load")
        key = re.sub(r"[A-Z]{2}-\d{4}-\d+(-T\d+)?", "X", self.page.url.split("?")[0])
        if key not in self.checked:
            self.checked.add(key)
            await self.assert_accessible()
        if shot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)

    async def assert_accessible(self) -> None:
        results = await self.axe.run(self.page)
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v.get("impact") in BLOCKING
        ]
        assert blocking == [], f"{self.page.url}: {blocking}"

    async def text(self) -> str:
        return await self.page.inner_text("main")

    async def close(self) -> None:
        assert self.outside == [], f"requests that left the host: {self.outside}"
        await self.context.close()
