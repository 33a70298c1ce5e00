"""Reference Open311 upstream: error arrays, caching, jurisdiction, mounting, request log."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.support.open311_client import (
    BASE,
    PREFIX,
    ClientFactory,
    assert_error,
    links,
    post,
    report,
)


async def test_errors_are_spec_arrays(open311_client: httpx.AsyncClient) -> None:
    assert_error(await open311_client.get("/keluhan.json"), 404, "'/keluhan.json'")
    response = await open311_client.delete("/requests.json")
    assert_error(response, 405, "DELETE")
    assert "POST" in response.headers["allow"] and "GET" in response.headers["allow"]
    assert_error(await open311_client.get("/requests.xml"), 400, "'xml'")
    assert_error(await open311_client.get("/services/sampah.xml"), 400, "XML")


async def test_unchanged_answers_are_not_modified(open311_client: httpx.AsyncClient) -> None:
    first = await open311_client.get("/services.json")
    again = await open311_client.get(
        "/services.json", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304


async def test_jurisdiction_id_is_checked(open311_client: httpx.AsyncClient) -> None:
    assert (await open311_client.get("/services.json?jurisdiction_id=balikpapan.go.id")).is_success
    wrong = await open311_client.get(
        "/requests.json", params={"jurisdiction_id": "samarinda.go.id"}
    )
    assert_error(wrong, 404, "'samarinda.go.id'", "'balikpapan.go.id'")
    response = await post(open311_client, report(jurisdiction_id="samarinda.go.id"))
    assert_error(response, 404, "'samarinda.go.id'")
    assert (
        await post(open311_client, report(jurisdiction_id="balikpapan.go.id"))
    ).status_code == 201


async def test_urls_are_built_under_the_mount_prefix(
    open311_app: Starlette, open311_connect: ClientFactory
) -> None:
    outer = Starlette(routes=[Mount(PREFIX, app=open311_app)])
    async with open311_connect(outer) as http:
        response = await http.get(f"{PREFIX}/requests.json", params={"page_size": 200})
        assert response.status_code == 200
        assert links(response)["first"].startswith(f"{BASE}{PREFIX}/requests.json?")
        media = next(r["media_url"] for r in response.json() if r["media_url"])
        assert media.startswith(f"{BASE}{PREFIX}/media/")
        assert (await http.get(media)).status_code == 200
        created = await http.post(f"{PREFIX}/requests.json", data=report())
        assert created.headers["location"].startswith(f"{BASE}{PREFIX}/requests/")
    assert open311_app.state.request_log.count("/media/") == 1  # paths relative to the mount


async def test_the_request_log_sees_every_request(
    open311_app: Starlette, open311_client: httpx.AsyncClient
) -> None:
    await open311_client.get("/services.json")
    await post(open311_client, report())
    methods = [method for method, _, _ in open311_app.state.request_log.requests]
    assert methods == ["GET", "POST"]
