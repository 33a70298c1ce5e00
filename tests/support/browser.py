"""The portal in a real browser for the tests: Debian's Chromium driven by Playwright, each
page watched for requests leaving the machine and for console errors."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, ConsoleMessage, Page, Request, Route, async_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "portal" / "node_modules" / "axe-core" / "axe.min.js"
# Where the journeys' screenshots go when asked (KOTAHUB_PORTAL_SCREENSHOTS=docs/portal).
SCREENSHOTS = os.environ.get("KOTAHUB_PORTAL_SCREENSHOTS")
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
CITY_CENTRE = {"latitude": -1.2654, "longitude": 116.8312}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def chromium_path() -> str | None:
    """The machine's Chromium (Debian's package), if it has one."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    path = chromium_path()
    assert path is not None
    async with async_playwright() as playwright:
        # As root (CI), Chromium refuses its sandbox; the pages are the hub's own.
        browser = await playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Visit:
    """One tab on the portal: what left the machine, what the console said."""

    page: Page
    base: str
    viewport: str
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    async def open(self, route: str = "") -> None:
        await self.page.goto(f"{self.base}/portal/{route}")

    async def check(self, journey: str) -> None:
        """Nothing left the machine and nothing went wrong; a screenshot when asked."""
        if SCREENSHOTS:
            folder = ROOT / SCREENSHOTS
            folder.mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=folder / f"{journey}-{self.viewport}.png")
        assert self.outside == [], self.outside
        assert self.console_errors == [], self.console_errors

    async def serious_violations(self) -> list[str]:
        """axe-core's serious and critical findings on the page as it is now."""
        # Evaluated through the DevTools protocol: the page's CSP (no inline script) holds.
        await self.page.evaluate(AXE.read_text(encoding="utf-8"))
        found = await self.page.evaluate(
            "async () => (await axe.run(document)).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        return list(found)


@asynccontextmanager
async def visiting(
    browser: Browser, base: str, viewport: str, lang: str = "id-ID"
) -> AsyncIterator[Visit]:
    context = await browser.new_context(
        viewport=VIEWPORTS[viewport],  # type: ignore[arg-type]
        locale=lang,
        geolocation=CITY_CENTRE,  # type: ignore[arg-type]
        permissions=["geolocation"],
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    page = await context.new_page()
    visit = Visit(page, base, viewport)

    async def only_this_machine(route: Route, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            await route.continue_()
            return
        visit.outside.append(request.url)
        await route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            visit.console_errors.append(message.text)

    await page.route("**/*", only_this_machine)
    page.on("console", console)
    page.on("pageerror", lambda error: visit.console_errors.append(str(error)))
    try:
        yield visit
    finally:
        await context.close()
