"""Talking to the reference Open311 GeoReport v2 upstream in tests: constants, forms and checks."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from kotahub.demo.open311_catalogue import DATA_FILE
from kotahub.demo.open311_time import WITA

BASE = "http://open311.test"
KEY = "kotahub-demo-key"
PREFIX = "/complaints/open311/v2"
BBOX = (116.80, -1.30, 117.10, -1.05)
KECAMATAN = {f"Balikpapan {p}" for p in ("Barat", "Kota", "Selatan", "Tengah", "Timur", "Utara")}
CONTACT_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
    "district",
}
W3C_WITA = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
REPORTER = {
    "email": "warga.penguji@example.com",
    "phone": "+62 812-0000-9876",
    "first_name": "Warga",
    "last_name": "Penguji",
    "device_id": "perangkat-uji-77",
    "account_id": "akun-uji-77",
}
Json = dict[str, Any]
ClientFactory = Callable[[Starlette], AbstractAsyncContextManager[httpx.AsyncClient]]


def sample_document() -> Json:
    document: Json = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return document


def contact_strings() -> set[str]:
    """Every reporter detail the server stores: none may appear in any response."""
    found = {REPORTER["email"], REPORTER["phone"], REPORTER["device_id"], REPORTER["account_id"]}
    for sample in sample_document()["requests"]:
        reporter = sample.get("reporter") or {}
        found |= {reporter[name] for name in ("email", "phone") if reporter.get(name)}
        found.add(f"{reporter.get('first_name')} {reporter.get('last_name')}")
    return found - {"None None"}


CONTACTS = contact_strings()


async def refuse_contact_details(response: httpx.Response) -> None:
    """Response hook of every test client: fails on any reporter detail in a response."""
    await response.aread()
    text = response.content.decode("utf-8", errors="replace")
    leaked = sorted(value for value in CONTACTS if value in text)
    assert not leaked, f"{response.request.url} revealed {leaked}"


@asynccontextmanager
async def open_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client on ``app`` that refuses any response revealing reporter contact details."""
    transport = httpx.ASGITransport(app=app)
    hooks = {"response": [refuse_contact_details]}
    async with httpx.AsyncClient(transport=transport, base_url=BASE, event_hooks=hooks) as c:
        yield c


def report(**changes: Any) -> dict[str, Any]:
    """A valid POST requests form for a damaged road, with ``changes`` (None removes)."""
    form: dict[str, Any] = {
        "api_key": KEY,
        "service_code": "jalan-rusak",
        "address_string": "Jl. MT Haryono blok AA, Sepinggan Baru, Balikpapan",
        "attribute[tingkat_kerusakan]": "berat",
        "attribute[lebar_lubang_cm]": "60",
        "description": "Lubang dalam di lajur kiri, berbahaya bagi sepeda motor.",
        **REPORTER,
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


async def post(http: httpx.AsyncClient, form: dict[str, Any], **headers: str) -> httpx.Response:
    return await http.post("/requests.json", data=form, headers=headers)


async def listed(http: httpx.AsyncClient, path: str = "/requests.json", **params: Any) -> Any:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, *quotes: str) -> str:
    """The response is the spec's error array with ``status``; returns all descriptions."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    errors = response.json()
    assert isinstance(errors, list) and errors
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in errors)
    text = " ".join(e["description"] for e in errors)
    for quote in quotes:
        assert quote in text, text
    return text


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def days_ago(days: float) -> str:
    return (datetime.now(WITA) - timedelta(days=days)).isoformat(timespec="seconds")


def links(response: httpx.Response) -> dict[str, str]:
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
    return {rel: href for href, rel in found}
