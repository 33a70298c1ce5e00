"""Submitting a complaint: checked against the source's own list of services at once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from redis.asyncio import Redis

from kotahub.adapters.catalog import Catalog
from kotahub.contract import Adapter
from kotahub.outbox.store import Outbox
from kotahub.resolvers.complaint_submission import Draft, Submitted, submit
from kotahub.resolvers.scope import RequestScope
from tests.support.corpus import CORPUS, read_case, upstream_app
from tests.support.ports import free_port
from tests.support.request_scope import request_scope
from tests.support.servers import ThreadedServer

ADDRESS = "Jl. Jenderal Sudirman No. 1, Balikpapan"


@pytest.fixture
def missing_definition() -> Iterator[ThreadedServer]:
    """An Open311 server that lists four services and has no definition for one of them."""
    server = ThreadedServer(upstream_app(read_case(CORPUS / "open311" / "missing-definition")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def outbox(redis_url: str) -> AsyncIterator[Outbox]:
    redis = Redis.from_url(redis_url)
    yield Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    await redis.aclose()


def _scope(outbox: Outbox, *adapters: Adapter) -> RequestScope:
    return request_scope(Catalog(adapters), outbox=outbox)


def _draft(category: str, source: str = "lapor", **changes: object) -> Draft:
    fields: dict[str, object] = {
        "category": category,
        "description": "Lampu jalan mati di depan sekolah",
        "address": ADDRESS,
        "source": source,
        **changes,
    }
    return Draft(**fields)  # type: ignore[arg-type]


def _problems(submitted: Submitted) -> dict[str, str]:
    return {problem.field: problem.message for problem in submitted.problems}


async def test_an_unknown_category_is_refused_at_once_naming_the_codes_expected(
    missing_definition: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    outbox: Outbox,
) -> None:
    city = make_adapter(name="lapor", kind="open311", base_url=missing_definition.url)
    submitted = await submit(_scope(outbox, city), _draft("PARKING"), None)
    assert submitted.delivery is None
    assert _problems(submitted) == {
        "category": "no category has this code; expected one of "
        "['ABNDVHCL', 'STRTLGHT', 'SWRCMPLT', 'TREEDBRS'] (see complaintCategories)"
    }
    assert await outbox.depth() == 0  # nothing was queued to be retried forever


async def test_a_category_without_its_definition_is_taken_and_the_others_keep_their_questions(
    missing_definition: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    outbox: Outbox,
) -> None:
    city = make_adapter(name="lapor", kind="open311", base_url=missing_definition.url)
    scope = _scope(outbox, city)
    vehicle = await submit(scope, _draft("ABNDVHCL"), None)
    light = await submit(scope, _draft("STRTLGHT"), None)
    assert vehicle.problems == () and vehicle.delivery is not None
    assert vehicle.delivery.status == "QUEUED"
    assert _problems(light) == {
        "attributes.LIGHT_STATE": "required: Is the light out or flickering?"
    }


async def test_a_source_that_cannot_list_its_categories_does_not_lift_the_check_of_another(
    missing_definition: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    outbox: Outbox,
) -> None:
    city = make_adapter(name="lapor", kind="open311", base_url=missing_definition.url)
    away = make_adapter(
        name="away", kind="open311", base_url=f"http://127.0.0.1:{free_port()}", retries=0
    )
    scope = _scope(outbox, city, away)
    refused = await submit(scope, _draft("PARKING"), None)
    held = await submit(scope, _draft("PARKING", source="away"), None)
    assert refused.delivery is None and "category" in _problems(refused)
    assert held.problems == () and held.delivery is not None  # judged by the source later
