"""Fixtures for the reference FHIR R4 upstream tests: the app, a client on it, its sample data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from kotahub.demo.fhir import create_fhir_app
from kotahub.demo.fhir_store import DATA_FILE
from tests.support.fhir_client import BASE, Resource


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
