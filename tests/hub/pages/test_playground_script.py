"""The playground script run by node under stub browser globals: its WebSocket URL and key."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kotahub.hub.pages.playground import APP_DIR, DEFAULT_ASSET_DIR, assets_installed
from scripts.node_tools import node_command

pytestmark = pytest.mark.system  # starts node

HARNESS = Path(__file__).with_name("run_playground.cjs")
WS_HARNESS = Path(__file__).with_name("run_graphql_ws.cjs")
SCRIPT = APP_DIR / "playground.js"
WS_BUNDLE = DEFAULT_ASSET_DIR / "graphql-ws" / "umd" / "graphql-ws.min.js"


def node(*args: str, stdin: str = "") -> Any:
    result = subprocess.run(
        [*node_command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def run_playground(
    location: str,
    endpoint: str | None = "/graphql",
    runs: tuple[dict[str, Any], ...] = ({},),
    graphql_ws: bool = True,
) -> dict[str, Any]:
    """What the script gave GraphiQL and graphql-ws, after running one subscription for each
    set of headers in ``runs`` (as typed in the headers editor)."""
    config = {"endpoint": endpoint, "examples": []} if endpoint is not None else {"examples": []}
    scenario = {"location": location, "config": config, "runs": runs, "graphqlWs": graphql_ws}
    seen: dict[str, Any] = node(str(HARNESS), str(SCRIPT), stdin=json.dumps(scenario))
    assert not seen["notice"], seen
    return seen


@pytest.mark.parametrize(
    ("location", "endpoint", "http_url", "ws_url"),
    [
        (
            "http://127.0.0.1:8000/graphql",
            "/graphql",
            "http://127.0.0.1:8000/graphql",
            "ws://127.0.0.1:8000/graphql",
        ),
        (
            "https://kota.example:8443/graphql#tab",
            "/graphql",
            "https://kota.example:8443/graphql",
            "wss://kota.example:8443/graphql",
        ),
        (
            "https://city.example/kotahub/graphql",
            "/kotahub/graphql",
            "https://city.example/kotahub/graphql",
            "wss://city.example/kotahub/graphql",
        ),
        (
            "https://city.example/api/graphql?x=1",
            None,
            "https://city.example/api/graphql",
            "wss://city.example/api/graphql",
        ),
    ],
    ids=["http", "https", "prefix", "no endpoint"],
)
def test_subscriptions_go_to_the_page_hosts_websocket(
    location: str, endpoint: str | None, http_url: str, ws_url: str
) -> None:
    seen = run_playground(location, endpoint)
    assert seen["clients"] == [{"url": ws_url, "connectionParams": None, "lazy": True}]
    assert seen["fetchers"] == [{"url": http_url, "subscriptionUrl": None, "client": 0}]
    assert seen["runs"] == [{"fetcher": 0, "operationName": "Follow"}]


def test_the_api_key_headers_are_the_connection_init_payload_as_typed() -> None:
    runs = (
        {"Authorization": "Bearer abc", "Accept-Language": "en"},
        {"Authorization": "Bearer abc"},
        {"X-API-Key": "abc", "X-Request-ID": "r1"},
        {"x-api-key": "k", "authorization": "Bearer k"},
        {"Accept-Language": "en", "Authorization": ""},
    )
    seen = run_playground("https://kota.example/graphql", runs=runs)
    assert [client["connectionParams"] for client in seen["clients"]] == [
        {"Authorization": "Bearer abc"},
        {"X-API-Key": "abc"},
        {"x-api-key": "k", "authorization": "Bearer k"},
        None,
    ]
    assert {client["url"] for client in seen["clients"]} == {"wss://kota.example/graphql"}
    # The same key again reuses its client; each other key gets one of its own.
    assert [run["fetcher"] for run in seen["runs"]] == [0, 0, 1, 2, 3]
    assert [fetcher["client"] for fetcher in seen["fetchers"]] == [0, 1, 2, 3]


def test_without_the_websocket_client_queries_still_go_over_http() -> None:
    seen = run_playground("https://kota.example/graphql", graphql_ws=False)
    assert seen["clients"] == []
    assert seen["fetchers"] == [
        {"url": "https://kota.example/graphql", "subscriptionUrl": None, "client": None}
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"Authorization": "Bearer abc"},
            {"type": "connection_init", "payload": {"Authorization": "Bearer abc"}},
        ),
        (None, {"type": "connection_init"}),
    ],
    ids=["key", "no key"],
)
def test_the_served_client_opens_graphql_transport_ws_with_the_key(
    params: dict[str, str] | None, message: dict[str, Any]
) -> None:
    if not assets_installed():
        pytest.fail("GraphiQL assets are missing: run `make assets`", pytrace=False)
    url = "wss://kota.example/graphql"
    first = node(str(WS_HARNESS), str(WS_BUNDLE), url, json.dumps(params))
    assert first == {"url": url, "protocol": "graphql-transport-ws", "message": message}
