"""Klik Balikpapan in Debian's Chromium, on a phone and on a desktop: the citizen's journeys
from search to a complaint followed live, with nothing leaving the machine, no console
error and no serious accessibility finding. Skipped, saying so, where there is no Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Request, Route, expect

from kotahub.demo.app import DIMENSIONS_CKAN as CKAN
from kotahub.demo.open311 import DEMO_API_KEY
from kotahub.hub.settings import Settings
from tests.conftest import health_source, tourism_source
from tests.support.browser import Visit, chromium, chromium_path, visiting
from tests.support.fake_clock import FakeClock
from tests.support.live import serving_hub
from tests.support.servers import ThreadedServer

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        chromium_path() is None,
        reason="Chromium is not installed (apt-get install chromium): the portal's browser "
        "tests are skipped",
    ),
]

# A Tuesday at ten in the morning in Balikpapan: puskesmas are open.
MORNING = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Asia/Makassar")).timestamp()
FIRST_SCREEN_LIMIT = 150 * 1024


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
def portal_settings(
    hub_settings: Callable[..., Settings], demo_server: ThreadedServer, open311: ThreadedServer
) -> Callable[..., Settings]:
    """Persisted operations only: the portal sends nothing else. Complaints go to an Open311
    server of the test's own."""
    complaints = {
        "name": "complaints",
        "kind": "open311",
        "base_url": open311.url,
        "api_key": DEMO_API_KEY,
    }

    dimensions = {"name": "dimensions", "kind": "ckan", "base_url": demo_server.url + CKAN}

    def make(**overrides: Any) -> Settings:
        city = [tourism_source(demo_server.url), health_source(demo_server.url), dimensions]
        sources = [*city, complaints]
        values = {"sources": sources, "persisted_queries": "only", "live_poll_seconds": 0.3}
        return hub_settings(**{**values, **overrides})

    return make


def _morning() -> FakeClock:
    clock = FakeClock()
    clock.advance(MORNING - clock.time())
    return clock


@asynccontextmanager
async def on_the_portal(
    browser: Browser, settings: Settings, viewport: str
) -> AsyncIterator[Visit]:
    """A hub on these settings, its clock on a weekday morning, and a tab on its portal."""
    async with (
        serving_hub(settings, _morning()) as (base, _app),
        visiting(browser, base, viewport) as visit,
    ):
        yield visit


@pytest.fixture(params=["phone", "desktop"])
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _cards(visit: Visit, kind: str) -> list[str]:
    cards = visit.page.locator(f"[data-testid=result-card][data-kind={kind}]")
    await expect(cards.first).to_be_visible()
    return [text.lower() for text in await cards.all_inner_texts()]


async def test_searching_mangar_finds_the_beach_and_the_puskesmas(
    browser: Browser, portal_settings: Callable[..., Settings], viewport: str
) -> None:
    async with on_the_portal(browser, portal_settings(), viewport) as visit:
        await visit.open()
        await visit.page.get_by_test_id("search-input").fill("mangar")
        await visit.page.get_by_test_id("search-input").press("Enter")
        spots = await _cards(visit, "TOURIST_SPOT")
        care = await _cards(visit, "HEALTH_FACILITY")
        assert await visit.serious_violations() == []
        await visit.check("search")
    assert any("pantai manggar" in card for card in spots)
    assert any("puskesmas manggar" in card for card in care)


async def test_near_me_lists_the_nearest_puskesmas_open_now(
    browser: Browser, portal_settings: Callable[..., Settings], viewport: str
) -> None:
    async with on_the_portal(browser, portal_settings(), viewport) as visit:
        await visit.open("#/dekat")
        await visit.page.get_by_test_id("near-me-button").click()
        care = await _cards(visit, "HEALTH_FACILITY")
        assert await visit.serious_violations() == []
        await visit.check("near-me")
    assert any("puskesmas" in card for card in care)


async def test_a_complaint_filed_in_the_form_moves_to_submitted_without_a_reload(
    browser: Browser, portal_settings: Callable[..., Settings], viewport: str
) -> None:
    settings = portal_settings(delivery_worker=False)
    async with (
        serving_hub(settings, _morning()) as (base, _app),
        visiting(browser, base, viewport) as visit,
    ):
        page = visit.page
        await visit.open("#/lapor")
        await page.get_by_test_id("report-category").select_option("jalan-rusak")
        await page.get_by_test_id("report-q-tingkat_kerusakan").select_option(index=1)
        await page.get_by_test_id("report-description").fill("Lubang di Jl. Sudirman")
        await page.get_by_test_id("report-locate").click()
        await expect(page.get_by_test_id("report-lat")).not_to_have_value("")
        await page.get_by_test_id("report-submit").click()
        tracking_id = await page.get_by_test_id("tracking-id").inner_text(timeout=10_000)
        assert tracking_id.startswith("KH-")
        await visit.page.goto(f"{base}/portal/#/lacak/{tracking_id}")
        delivery = page.get_by_test_id("tracking-delivery")
        await expect(delivery).to_have_attribute("data-delivery", "QUEUED", timeout=10_000)
        worker = portal_settings(delivery_worker=True, cache_prefix=settings.cache_prefix)
        async with serving_hub(worker):
            await expect(delivery).to_have_attribute("data-delivery", "SUBMITTED", timeout=15_000)
        assert await visit.serious_violations() == []
        await visit.check("complaint")


async def test_the_dimensions_dashboard_draws_its_charts(
    browser: Browser, portal_settings: Callable[..., Settings]
) -> None:
    async with (
        serving_hub(portal_settings()) as (base, _app),
        visiting(browser, base, "desktop") as visit,
    ):
        await visit.open("#/dimensi")
        charts = visit.page.get_by_test_id("indicator-chart")
        await expect(charts.first).to_be_visible(timeout=10_000)
        drawn = await charts.count()
        assert await visit.serious_violations() == []
        await visit.check("dimensions")
    assert drawn >= 6


async def test_english_is_one_tap_away(
    browser: Browser, portal_settings: Callable[..., Settings], viewport: str
) -> None:
    async with on_the_portal(browser, portal_settings(), viewport) as visit:
        page = visit.page
        sent: list[Request] = []

        def to_graphql(request: Request) -> None:
            if "/graphql" in request.url:
                sent.append(request)

        page.on("request", to_graphql)
        await visit.open()
        await page.wait_for_load_state("networkidle")
        before = await page.locator("main").inner_text()
        sent.clear()
        await page.get_by_test_id("lang-toggle").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "One click to all the city's information"
        )
        search = page.get_by_test_id("search-input")
        await expect(search).to_have_attribute(
            "placeholder", "beach, hospital, pharmacy open, garbage…"
        )
        await expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
        after = await page.locator("main").inner_text()
        await search.fill("pantai")
        await search.press("Enter")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Search: pantai")
        await _cards(visit, "TOURIST_SPOT")
        assert await page.title() == "Search: pantai — Klik Balikpapan"
        await visit.check("english")
    assert before != after
    languages = [request.headers.get("accept-language") for request in sent]
    assert languages and all(language == "en" for language in languages), languages


async def test_the_first_screen_is_small_and_needs_no_upstream(
    browser: Browser, portal_settings: Callable[..., Settings]
) -> None:
    nowhere = [{"name": "tourism", "kind": "geojson", "base_url": "http://127.0.0.1:9/items"}]
    async with (
        serving_hub(portal_settings(sources=nowhere)) as (base, _app),
        visiting(browser, base, "phone") as visit,
    ):
        finished: list[Request] = []
        visit.page.on("requestfinished", lambda request: finished.append(request))
        await visit.open()
        await expect(visit.page.get_by_test_id("search-input")).to_be_visible()
        await expect(visit.page.get_by_test_id("emergency-112")).to_be_visible()
        await visit.page.wait_for_load_state("networkidle")
        sizes = [await request.sizes() for request in finished]
        transferred = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
        await visit.check("first-screen")
    print(f"first screen: {transferred} bytes transferred")
    assert transferred < FIRST_SCREEN_LIMIT, transferred


async def test_a_spots_page_shows_its_tickets_and_fills_in_the_nearest_care(
    browser: Browser, portal_settings: Callable[..., Settings], viewport: str
) -> None:
    async with on_the_portal(browser, portal_settings(), viewport) as visit:
        await visit.open("#/cari?q=manggar")
        spot = visit.page.locator("[data-testid=result-card][data-kind=TOURIST_SPOT] a")
        await spot.filter(has_text="Manggar").first.click()
        await expect(visit.page.get_by_role("heading", level=1)).to_contain_text("Manggar")
        ticket = visit.page.get_by_role("link", name="E-tiket")
        care = await _cards(visit, "HEALTH_FACILITY")  # the deferred part
        assert await visit.serious_violations() == []
        await visit.check("spot")
        href = await ticket.get_attribute("href")
    assert href is not None and href.startswith("https://")
    assert care


async def test_the_public_complaints_mark_the_overdue_ones(
    browser: Browser, portal_settings: Callable[..., Settings]
) -> None:
    async with (
        serving_hub(portal_settings(), _morning()) as (base, _app),
        visiting(browser, base, "desktop") as visit,
    ):
        await visit.open("#/pengaduan")
        complaints = await _cards(visit, "COMPLAINT")
        overdue = await visit.page.locator(".overdue-text, .badge-overdue").count()
        assert await visit.serious_violations() == []
        await visit.check("complaints")
    assert len(complaints) >= 5
    assert overdue >= 1


async def test_the_keyboard_alone_reaches_search_results(
    browser: Browser, portal_settings: Callable[..., Settings]
) -> None:
    async with (
        serving_hub(portal_settings(), _morning()) as (base, _app),
        visiting(browser, base, "desktop") as visit,
    ):
        await visit.open()
        for _ in range(10):  # tab through the header to the search box
            await visit.page.keyboard.press("Tab")
            focused = await visit.page.evaluate("document.activeElement.dataset.testid")
            if focused == "search-input":
                break
        await visit.page.keyboard.type("rumah sakit")
        await visit.page.keyboard.press("Enter")
        care = await _cards(visit, "HEALTH_FACILITY")
        await visit.check("keyboard")
    assert focused == "search-input"
    assert care


async def test_near_me_says_the_health_source_did_not_answer_rather_than_none(
    browser: Browser,
    portal_settings: Callable[..., Settings],
    demo_server: ThreadedServer,
    viewport: str,
) -> None:
    closed = {"name": "health", "kind": "fhir-r4", "base_url": "http://127.0.0.1:9/fhir"}
    sources = [tourism_source(demo_server.url), closed]
    async with (
        serving_hub(portal_settings(sources=sources), _morning()) as (base, _app),
        visiting(browser, base, viewport) as visit,
    ):
        await visit.open("#/dekat")
        await visit.page.get_by_test_id("near-me-button").click()
        puskesmas = visit.page.locator("[data-section=puskesmas]")
        await expect(puskesmas.get_by_test_id("source-error")).to_be_visible(timeout=15_000)
        await expect(puskesmas.get_by_role("button", name="Coba lagi")).to_be_visible()
        section = await puskesmas.inner_text()
        spots = await _cards(visit, "TOURIST_SPOT")  # the tourism source still answers
        assert await visit.serious_violations() == []
        await visit.check("near-me-source-down")
    assert "Tidak ada" not in section
    assert "tidak menjawab" in section
    assert spots


async def test_switching_language_keeps_a_half_written_complaint(
    browser: Browser, portal_settings: Callable[..., Settings], viewport: str
) -> None:
    async with on_the_portal(browser, portal_settings(), viewport) as visit:
        page = visit.page
        await visit.open("#/lapor")
        await page.get_by_test_id("report-category").select_option("jalan-rusak")
        await page.get_by_test_id("report-q-tingkat_kerusakan").select_option(index=1)
        answer = await page.get_by_test_id("report-q-tingkat_kerusakan").input_value()
        await page.get_by_test_id("report-description").fill("Lubang di Jl. Sudirman")
        await page.get_by_test_id("lang-toggle").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Report (Si Tanggap)")
        await expect(page.get_by_test_id("report-category")).to_have_value("jalan-rusak")
        await expect(page.get_by_test_id("report-q-tingkat_kerusakan")).to_have_value(answer)
        await expect(page.get_by_test_id("report-description")).to_have_value(
            "Lubang di Jl. Sudirman"
        )
        await expect(page.get_by_label("What is wrong")).to_be_visible()
        assert await visit.serious_violations() == []
        await visit.check("report-language")


async def test_following_a_complaint_subscribes_again_when_live_updates_are_unavailable(
    browser: Browser, portal_settings: Callable[..., Settings]
) -> None:
    unavailable = (
        'event: next\ndata: {"errors": [{"message": "live updates cannot start right now",'
        ' "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}\n\nevent: complete\ndata: \n\n'
    )
    refused: list[str] = []

    async def refuse_once(route: Route, request: Request) -> None:
        if request.method == "GET" and "PortalFollowComplaint" in request.url and not refused:
            refused.append(request.url)
            headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
            await route.fulfill(status=200, headers=headers, body=unavailable)
        else:
            await route.fallback()

    async with (
        serving_hub(portal_settings(), _morning()) as (base, _app),
        visiting(browser, base, "desktop") as visit,
    ):
        page = visit.page
        await visit.open("#/pengaduan")
        link = page.locator("[data-testid=result-card][data-kind=COMPLAINT] .card-title a")
        href = await link.first.get_attribute("href")
        assert href is not None and href.startswith("#/lacak/")
        await page.route("**/graphql?*", refuse_once)
        await page.goto(f"{base}/portal/{href}")
        connection = page.get_by_test_id("tracking-connection")
        await expect(connection).to_have_attribute("data-state", "reconnecting")
        await expect(connection).to_contain_text("5")
        await expect(page.get_by_test_id("tracking-not-found")).to_have_count(0)
        status = page.get_by_test_id("tracking-status")
        await expect(status).to_be_visible(timeout=15_000)
        await expect(connection).to_have_attribute("data-state", "live")
        await page.goto(f"{base}/portal/#/lacak/KH-NO-SUCH-ID")
        await expect(page.get_by_test_id("tracking-not-found")).to_be_visible(timeout=10_000)
        assert await visit.serious_violations() == []
        await visit.check("track-reconnect")
    assert len(refused) == 1


async def test_a_broken_link_or_a_tourism_source_down_never_throws_nor_says_not_found_wrongly(
    browser: Browser, portal_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    closed = {"name": "tourism", "kind": "geojson", "base_url": "http://127.0.0.1:9/items"}
    async with (
        serving_hub(portal_settings(sources=[closed, health_source(demo_server.url)])) as (
            base,
            _app,
        ),
        visiting(browser, base, "phone") as visit,
    ):
        page = visit.page
        title = page.get_by_role("heading", level=1)
        await visit.open("#/wisata/%E0%A4%A")
        await expect(title).to_have_text("Halaman tidak ditemukan.")
        await page.goto(f"{base}/portal/#/wisata")
        await expect(title).to_have_text("Halaman tidak ditemukan.")
        await page.goto(f"{base}/portal/#/wisata/pantai-manggar-segara-sari")
        await expect(page.get_by_test_id("source-error")).to_be_visible(timeout=15_000)
        await expect(title).to_have_text("Wisata")
        assert await page.title() == "Wisata — Klik Balikpapan"
        assert await visit.serious_violations() == []
        await visit.check("spot-source-down")
