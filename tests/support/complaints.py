"""Filing complaints through a hub and waiting for their delivery, for the tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.support.graphql import gql

SUBMIT = """mutation ($input: SubmitComplaintInput!, $key: String) {
  submitComplaint(input: $input, idempotencyKey: $key) {
    trackingId deliveryStatus errors { field message }
    complaint { trackingId deliveryStatus }
  }
}"""
TRACK = """query ($id: String!) { complaint(trackingId: $id) {
  id trackingId sourceId deliveryStatus rejectionReason status description categoryName
  agency district requestedAt expectedAt isOverdue location { lat lon } } }"""

REPORTER = {
    "firstName": "Siti",
    "lastName": "Rahmawati",
    "email": "siti.rahma@example.com",
    "phone": "+62 812 4444 9090",
}


def road_complaint(**changes: Any) -> dict[str, Any]:
    complaint = {
        "category": "jalan-rusak",
        "description": "Lubang besar di Jl. Jenderal Sudirman dekat halte",
        "location": {"lat": -1.2688, "lon": 116.8305},
        "answers": [{"code": "tingkat_kerusakan", "values": ["berat"]}],
        "reporter": REPORTER,
    }
    complaint.update(changes)
    return complaint


async def submit(
    client: httpx.AsyncClient, complaint: dict[str, Any], key: str | None = None
) -> Any:
    body = await gql(client, SUBMIT, {"input": complaint, "key": key})
    assert "errors" not in body, body
    return body["data"]["submitComplaint"]


async def wait_for_status(
    client: httpx.AsyncClient, tracking_id: str, status: str, seconds: float = 15.0
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        found = (await gql(client, TRACK, {"id": tracking_id}))["data"]["complaint"]
        if found and found["deliveryStatus"] == status:
            return dict(found)
        assert time.monotonic() < deadline, f"{tracking_id} is {found and found['deliveryStatus']}"
        await asyncio.sleep(0.1)
