"""A resolver scope for tests that run the schema without the HTTP layer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kotahub.adapters.catalog import Catalog
from kotahub.resolvers.loaders import make_loaders
from kotahub.resolvers.scope import PageLimits, RequestScope


def request_scope(catalog: Catalog, **extra: Any) -> RequestScope:
    """The scope the hub would make for a request in Indonesian, now, with default pages."""
    return RequestScope(
        catalog=catalog,
        loaders=make_loaders(catalog),
        lang="id",
        zone=ZoneInfo("Asia/Makassar"),
        now=datetime.now(UTC),
        page_limits=PageLimits(20, 100),
        **extra,
    )
