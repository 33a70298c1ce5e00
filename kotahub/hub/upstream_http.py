"""One request to an upstream: sent with its deadline, counted, and its failures translated."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from kotahub.hub.errors import (
    SourceError,
    SourceHTTPError,
    SourcePayloadError,
    SourceTimeout,
    SourceUnavailable,
)
from kotahub.hub.metrics import HubMetrics
from kotahub.hub.upstream_urls import ParamValue, shown

log = logging.getLogger("kotahub.upstream")

ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class Call:
    """One request to an upstream."""

    method: str
    url: str
    params: Mapping[str, ParamValue] | None = None
    accept: str = "application/json"
    form: Mapping[str, str | list[str]] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def full_url(self) -> httpx.URL:
        # Merged by hand: httpx would replace the URL's own query with ``params``.
        url = httpx.URL(self.url)
        return url.copy_merge_params(dict(self.params)) if self.params else url


async def send(
    http: httpx.AsyncClient,
    source: str,
    call: Call,
    token: str | None,
    deadline_seconds: float,
    metrics: HubMetrics,
) -> httpx.Response:
    """The upstream's response within the deadline; a SourceError naming the source if none."""
    timeout = deadline_seconds
    headers = {"Accept": call.accept, **call.headers}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = http.build_request(
        call.method, call.full_url(), headers=headers, data=call.form, timeout=timeout
    )
    where = f"{call.method} {shown(str(request.url))}"
    metrics.upstream_requests.labels(source).inc()
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            response = await http.send(request)
    except (TimeoutError, httpx.TimeoutException) as exc:
        failure: SourceError = SourceTimeout(source, f"{where} got no answer within {timeout:g}s")
        metrics.upstream_errors.labels(source, failure.code).inc()
        raise failure from exc
    except httpx.HTTPError as exc:
        detail = f"{type(exc).__name__} ({exc or 'no detail'})"
        failure = SourceUnavailable(source, f"{where} failed: {detail}")
        metrics.upstream_errors.labels(source, failure.code).inc()
        raise failure from exc
    elapsed = time.perf_counter() - started
    metrics.upstream_latency.labels(source).observe(elapsed)
    log.debug("%s %s -> %s in %.1f ms", source, where, response.status_code, elapsed * 1000)
    return response


def parse_json(source: str, response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:
        kind = response.headers.get("content-type", "no content type")
        raise SourcePayloadError(
            source,
            f"GET {shown(str(response.url))} answered with content that is not valid JSON ({kind})",
        ) from exc


def status_error(source: str, where: str, response: httpx.Response) -> SourceError:
    status = response.status_code
    if status < 400:
        moved_to = shown(response.headers.get("location", "nowhere"))
        message = f"{where} answered HTTP {status}, a redirect to {moved_to}; "
        message += "configure the source's base_url with the final address"
    else:
        message = f"{where} answered HTTP {status}"
    return SourceHTTPError(source, status, message, body=response.text[:ERROR_BODY_LIMIT])
