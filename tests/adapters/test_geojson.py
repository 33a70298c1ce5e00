"""The GeoJSON adapter: paging, lenient feature mapping, and clear errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest

from kotahub.contract import Adapter, TourismAdapter
from kotahub.demo.app import TOURISM_ITEMS
from kotahub.errors import ConfigError, SourceHTTPError, SourcePayloadError
from kotahub.upstream.client import SourceClient
from tests.support.servers import ThreadedServer
from tests.support.upstream import fetch_json, fetch_status


def _tourism(adapter: Adapter) -> TourismAdapter:
    assert adapter.domain == "tourism"
    return adapter  # type: ignore[return-value]


async def test_follows_next_links_across_pages(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter], tourism_log: object
) -> None:
    url = demo_server.url + TOURISM_ITEMS
    expected = (await fetch_json(url, limit=1000))["numberMatched"]
    tourism_log.clear()  # type: ignore[attr-defined]
    adapter = _tourism(
        make_adapter(name="t", kind="geojson", base_url=url, options={"page_size": 4})
    )
    spots = await adapter.spots()
    assert len(spots) == expected
    assert len({spot.local_id for spot in spots}) == expected
    assert tourism_log.count() == -(-expected // 4)  # type: ignore[attr-defined]


async def test_maps_fiware_properties(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = demo_server.url + TOURISM_ITEMS
    feature = (await fetch_json(url, limit=1))["features"][0]
    adapter = _tourism(make_adapter(name="t", kind="geojson", base_url=url))
    spot = next(s for s in await adapter.spots() if s.local_id == feature["id"])
    props = feature["properties"]
    assert spot.name == props["name"]
    assert spot.district == props["address"]["district"]
    assert spot.description is not None
    assert spot.description.en == props["descriptionMap"]["en"]
    assert spot.opening_hours == props["openingHours"]
    assert spot.location is not None
    assert (spot.location.lon, spot.location.lat) == tuple(feature["geometry"]["coordinates"])
    assert spot.photos and spot.photos == tuple(props["image"])
    assert [await fetch_status(photo) for photo in spot.photos] == [200] * len(spot.photos)


async def test_accepts_odd_but_usable_features_and_skips_broken_ones(
    misbehaving_server: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    source_client: SourceClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = _tourism(
        make_adapter(name="odd", kind="geojson", base_url=misbehaving_server.url + "/odd-features")
    )
    with caplog.at_level(logging.WARNING):
        spots = await adapter.spots()
    assert [spot.local_id for spot in spots] == ["good", "7"]
    area = spots[1]
    assert area.location is not None and area.location.lat == pytest.approx(-1.5)
    assert area.description is not None and area.description.pick("en") == "Hanya bahasa Indonesia"
    assert area.ticket_price is not None and area.ticket_price.adult == 5000
    [status] = [s for s in source_client.statuses.snapshot() if s.name == "odd"]
    assert (status.skipped.count, status.skipped.total) == (2, 4)
    assert status.skipped.first_reason and "feature 1" in status.skipped.first_reason
    await adapter.spots()  # the same page read again is not counted or logged again
    assert source_client.statuses.snapshot()[0].skipped.count == 2
    [warning] = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert "skipped 2 of 4 records" in warning and "feature 1" in warning


async def test_json_that_is_not_a_feature_collection_is_named(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = misbehaving_server.url + "/not-a-collection"
    adapter = _tourism(make_adapter(name="odd", kind="geojson", base_url=url))
    with pytest.raises(
        SourcePayloadError, match=re.escape("expected a GeoJSON FeatureCollection, got 'Feature'")
    ):
        await adapter.spots()


async def test_upstream_error_description_is_kept(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = demo_server.url + TOURISM_ITEMS + "?bbox=not,a,box"
    adapter = _tourism(make_adapter(name="t", kind="geojson", base_url=url))
    with pytest.raises(SourceHTTPError, match=r"HTTP 400: .*bbox"):
        await adapter.spots()


def test_bad_page_size_option_is_a_config_error(make_adapter: Callable[..., Adapter]) -> None:
    with pytest.raises(
        ConfigError,
        match=r"'sources.t.options.page_size' .*: got -1; Input should be greater than or equal",
    ):
        make_adapter(name="t", kind="geojson", base_url="http://x.test/", options={"page_size": -1})


async def test_relative_next_links_resolve_against_the_page(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = misbehaving_server.url + "/api/items?region=kaltim"
    adapter = _tourism(make_adapter(name="rel", kind="geojson", base_url=url))
    spots = await adapter.spots()
    assert [spot.local_id for spot in spots] == ["p1", "p2"]


async def test_a_redirect_is_named_as_one(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = misbehaving_server.url + "/moved"
    adapter = _tourism(make_adapter(name="moved", kind="geojson", base_url=url))
    with pytest.raises(SourceHTTPError, match="HTTP 302, a redirect to /items") as caught:
        await adapter.spots()
    assert caught.value.status == 302
