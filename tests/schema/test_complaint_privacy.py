"""A reporter's name, e-mail and phone never appear in any response, error or log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.complaints import REPORTER, TRACK, road_complaint, submit, wait_for_status

SECRETS = [REPORTER["email"], REPORTER["phone"], "4444 9090", "Rahmawati", "siti.rahma"]
BAD_SUBMIT = "mutation ($i: SubmitComplaintInput!) { submitComplaint(input: $i) { trackingId } }"
EVERY_FIELD = """{ complaints(first: 100) { edges { node { id trackingId sourceId description
  status statusNotes agency address district mediaUrl categoryName location { lat lon } } } } }"""


async def test_contact_details_never_come_back(
    hub: HubFactory, hub_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        async with hub(hub_settings()) as client:
            answer = await submit(client, road_complaint(), key="privacy-1")
            texts.append(str(answer))
            done = await wait_for_status(client, answer["trackingId"], "SUBMITTED")
            texts.append(str(done))
            for query, variables in [
                (TRACK, {"id": answer["trackingId"]}),
                (TRACK, {"id": done["sourceId"]}),
                ("query ($id: ID!) { node(id: $id) { id } }", {"id": done["id"]}),
                (EVERY_FIELD, {}),
            ]:
                texts.append(
                    (
                        await client.post("/graphql", json={"query": query, "variables": variables})
                    ).text
                )
            bad = road_complaint(reporter={**REPORTER, "phone": 6281244449090})
            response = await client.post(
                "/graphql",
                json={
                    "query": BAD_SUBMIT,
                    "variables": {"i": bad},
                },
            )
            texts.append(response.text)
            wrong = road_complaint(reporter={**REPORTER, "email": "not-an-address"})
            texts.append(str(await submit(client, wrong)))
            literal = (
                'mutation { submitComplaint(input: {category: "x", description: "y", '
                "reporter: {phone: 6281244449090}}) { trackingId } }"
            )
            texts.append((await client.post("/graphql", json={"query": literal})).text)
            unknown = {"i": road_complaint(reporter={**REPORTER, "nickname": "Siti"})}
            texts.append(await _posted(client, BAD_SUBMIT, unknown))
    texts.append(caplog.text)
    assert any("invalid value at .reporter.phone" in text for text in texts)
    assert any("String cannot represent a non string value" in text for text in texts)
    assert any("not to include unknown field 'nickname'" in text for text in texts)
    everything = "\n".join(texts)
    for secret in [*SECRETS, "6281244449090", "not-an-address"]:
        assert secret not in everything, secret


async def _posted(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> str:
    return (await client.post("/graphql", json={"query": query, "variables": variables})).text
