"""Client-credentials tokens against a FHIR server that demands them, over real HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kotahub.contract import Adapter, HealthAdapter
from kotahub.demo.fhir import create_fhir_app
from kotahub.errors import SourceHTTPError
from kotahub.records import GeoPoint, Near
from tests.support.servers import ThreadedServer

SECRET = "rahasia-klien-42"


@pytest.fixture
def guarded() -> Iterator[ThreadedServer]:
    """A FHIR server that answers only with a bearer token lasting two seconds."""
    server = ThreadedServer(
        create_fhir_app(require_token=True, client_secret=SECRET, token_lifetime_s=2)
    )
    server.start()
    yield server
    server.stop()


def _adapter(make: Callable[..., Adapter], server: ThreadedServer, **oauth: Any) -> HealthAdapter:
    credentials = {
        "token_url": f"{server.url}/oauth2/v1/accesstoken",
        "client_id": "kotahub-demo",
        "client_secret": SECRET,
        **oauth,
    }
    adapter = make(name="satusehat", kind="fhir-r4", base_url=server.url, oauth=credentials)
    return adapter  # type: ignore[return-value]


def _issued(server: ThreadedServer) -> int:
    return int(server.app.state.tokens_issued)


async def test_token_is_fetched_once_and_reused(
    guarded: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, guarded)
    facilities, _ = await asyncio.gather(adapter.facilities(), adapter.probe())
    await adapter.probe()
    assert facilities and _issued(guarded) == 1


async def test_token_is_refreshed_before_it_expires(
    guarded: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, guarded, refresh_margin_seconds=60)
    await adapter.probe()
    await asyncio.sleep(1.1)  # past the refresh point: half of the 2 s lifetime
    await adapter.probe()
    assert _issued(guarded) == 2


async def test_refused_token_is_replaced_once(
    guarded: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, guarded)
    await adapter.facilities()
    guarded.stop()  # a restarted server has forgotten every token it issued
    restarted = ThreadedServer(
        create_fhir_app(require_token=True, client_secret=SECRET), port=guarded.port
    )
    restarted.start()
    try:
        nearby = await adapter.facilities(Near(GeoPoint(lat=-1.26, lon=116.83), 3))
        assert nearby and _issued(restarted) == 1
    finally:
        restarted.stop()


async def test_wrong_secret_is_named_without_the_secret(
    guarded: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = _adapter(make_adapter, guarded, client_secret="salah-rahasia")
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceHTTPError) as caught:
        await adapter.facilities()
    assert caught.value.status == 401
    assert "token request to /oauth2/v1/accesstoken" in str(caught.value)
    assert "invalid_client" in str(caught.value)
    for text in (str(caught.value), caplog.text):
        assert "salah-rahasia" not in text and SECRET not in text


async def test_basic_client_authentication(
    guarded: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, guarded, auth_method="client_secret_basic")
    await adapter.probe()
    assert _issued(guarded) == 1


async def test_basic_authentication_form_encodes_the_credentials(
    make_adapter: Callable[..., Adapter],
) -> None:
    # RFC 6749 §2.3.1: each part is form-urlencoded before the two are joined with ':'.
    secret = "rahasia:klien é+%/"
    server = ThreadedServer(create_fhir_app(require_token=True, client_secret=secret))
    server.start()
    try:
        adapter = _adapter(
            make_adapter, server, client_secret=secret, auth_method="client_secret_basic"
        )
        await adapter.probe()
        assert _issued(server) == 1
    finally:
        server.stop()


async def test_concurrent_callers_share_one_token_request_even_when_it_fails(
    guarded: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    good = _adapter(make_adapter, guarded)
    await asyncio.gather(*(good.probe() for _ in range(5)))
    bad = _adapter(make_adapter, guarded, client_secret="salah")
    outcomes = await asyncio.gather(*(bad.probe() for _ in range(5)), return_exceptions=True)
    again = await asyncio.gather(bad.probe(), return_exceptions=True)  # within the back-off
    log = guarded.app.state.request_log
    assert _issued(guarded) == 1
    assert all(isinstance(o, SourceHTTPError) for o in [*outcomes, *again])
    assert log.count("/oauth2") == 2  # one for the good client, one for the bad


async def test_access_tokens_never_reach_logs_or_errors(
    guarded: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = _adapter(make_adapter, guarded)
    with caplog.at_level(logging.DEBUG):
        await adapter.facilities()
        await adapter.probe()
    tokens = guarded.app.state.token_authority.known_tokens()
    assert tokens and not any(token in caplog.text for token in tokens)
    assert SECRET not in caplog.text
