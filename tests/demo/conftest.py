"""Fixtures for the reference upstream tests: for FHIR R4 and Open311, the app, a client, data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from kotahub.demo.fhir import create_fhir_app
from kotahub.demo.fhir_store import DATA_FILE
from kotahub.demo.open311 import create_open311_app
from tests.support.fhir_client import BASE, Resource
from tests.support.open311_client import ClientFactory, Json, open_client, sample_document


@pytest.fixture
def fhir_app() -> Starlette:
    return create_fhir_app()


@pytest.fixture
async def fhir_client(fhir_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=fhir_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.fixture
def fhir_data() -> dict[str, list[Resource]]:
    document: dict[str, list[Resource]] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def open311_connect() -> ClientFactory:
    return open_client


@pytest.fixture
def open311_database(tmp_path: Path) -> Path:
    return tmp_path / "open311.sqlite3"


@pytest.fixture
def open311_app(open311_database: Path) -> Starlette:
    return create_open311_app(database=open311_database)


@pytest.fixture
async def open311_client(
    open311_app: Starlette, open311_connect: ClientFactory
) -> AsyncIterator[httpx.AsyncClient]:
    async with open311_connect(open311_app) as http:
        yield http


@pytest.fixture
def open311_samples() -> list[Json]:
    found: list[Json] = sample_document()["requests"]
    return found
