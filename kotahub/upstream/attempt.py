"""One attempt at an upstream request: its timeouts and size cap, counted, failures translated."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from kotahub.errors import (
    SourceError,
    SourceHTTPError,
    SourcePayloadError,
    SourceTimeout,
    SourceUnavailable,
)
from kotahub.observability.metrics import HubMetrics
from kotahub.upstream.body_decoding import (
    ACCEPT_ENCODING,
    BodyTooLarge,
    UndecodableBody,
    body_decoder,
)
from kotahub.upstream.span import answered, failed, upstream_span
from kotahub.upstream.urls import ParamValue, located, shown

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


@dataclass(frozen=True, slots=True)
class AttemptLimits:
    """What one attempt may take: to connect, between two reads, and in all, in bytes."""

    connect_seconds: float = 3.0
    read_seconds: float = 10.0
    max_bytes: int = 10 * 1_048_576

    def timeout(self) -> httpx.Timeout:
        # The deadline of the whole call is kept by the caller, around every attempt.
        read = self.read_seconds
        return httpx.Timeout(connect=self.connect_seconds, read=read, write=read, pool=read)


async def send(
    http: httpx.AsyncClient,
    source: str,
    call: Call,
    token: str | None,
    limits: AttemptLimits,
    metrics: HubMetrics,
) -> httpx.Response:
    """The upstream's whole response, read up to ``limits.max_bytes``; a SourceError naming
    the source if there is none."""
    headers = {"Accept": call.accept, **call.headers, "Accept-Encoding": ACCEPT_ENCODING}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = http.build_request(
        call.method, call.full_url(), headers=headers, data=call.form, timeout=limits.timeout()
    )
    where = located(call.method, request.url)
    metrics.upstream_requests.labels(source).inc()
    started = time.perf_counter()
    with upstream_span(source, request) as span:
        try:
            response = await http.send(request, stream=True)
            answered(span, response.status_code)
            try:
                body = await _read_capped(source, where, response, limits.max_bytes)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            failure = _transport_failure(source, where, exc, limits)
            metrics.upstream_errors.labels(source, failure.code).inc()
            failed(span, failure.code)
            raise failure from exc
        except SourcePayloadError as exc:
            metrics.upstream_errors.labels(source, exc.code).inc()
            failed(span, exc.code)
            raise
    elapsed = time.perf_counter() - started
    metrics.upstream_latency.labels(source).observe(elapsed)
    log.debug("%s %s -> %s in %.1f ms", source, where, response.status_code, elapsed * 1000)
    return _with_body(response, body)


async def _read_capped(source: str, where: str, response: httpx.Response, cap: int) -> bytes:
    """The body, decoded; SourcePayloadError as soon as it is known to exceed ``cap``,
    compressed or not: decoding never produces more than the cap, so memory stays near it."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise SourcePayloadError(
            source,
            f"{where} announced {int(declared)} bytes (Content-Length), more than the "
            f"source's max_response_bytes of {cap}; not read",
        )
    try:
        decoder = body_decoder(response.headers.get("content-encoding"), cap)
        chunks = [decoder.decode(raw) async for raw in response.aiter_raw()]
        chunks.append(decoder.flush())
    except UndecodableBody as exc:
        raise SourcePayloadError(source, f"{where} answered with a body {exc}") from exc
    except BodyTooLarge as exc:
        decoded = f" once decoded from {exc.coding}" if exc.coding else ""
        raise SourcePayloadError(
            source,
            f"{where} answered with more than the source's max_response_bytes of {cap}"
            f"{decoded}; stopped reading",
        ) from exc
    return b"".join(chunks)


def _with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A plain response holding the body read (decoded, so without Content-Encoding)."""
    headers = response.headers.copy()
    headers.pop("content-encoding", None)
    return httpx.Response(
        response.status_code, headers=headers, content=body, request=response.request
    )


def _transport_failure(
    source: str, where: str, exc: httpx.HTTPError, limits: AttemptLimits
) -> SourceError:
    if isinstance(exc, httpx.ConnectTimeout):
        detail = f"could not connect within {limits.connect_seconds:g}s"
        return SourceTimeout(source, f"{where} {detail} (connect_timeout_seconds)")
    if isinstance(exc, httpx.TimeoutException):
        detail = f"sent nothing for {limits.read_seconds:g}s"
        return SourceTimeout(source, f"{where} {detail} (read_timeout_seconds)")
    detail = f"{type(exc).__name__} ({exc or 'no detail'})"
    return SourceUnavailable(source, f"{where} failed: {detail}")


def parse_json(source: str, response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested past any real answer
        kind = response.headers.get("content-type", "no content type")
        where = located(response.request.method, response.url)
        raise SourcePayloadError(
            source, f"{where} answered with content that is not valid JSON ({kind}{_at(exc)})"
        ) from exc


def _at(exc: Exception) -> str:
    """Where a JSON text goes wrong, as an editor shows it."""
    if isinstance(exc, json.JSONDecodeError):
        return f"; {exc.msg} at line {exc.lineno} column {exc.colno}"
    return "; nested too deeply" if isinstance(exc, RecursionError) else ""


def status_error(source: str, where: str, response: httpx.Response) -> SourceError:
    status = response.status_code
    if status < 400:
        moved_to = shown(response.headers.get("location", "nowhere"))
        message = f"{where} answered HTTP {status}, a redirect to {moved_to}; "
        message += "configure the source's base_url with the final address"
    else:
        message = f"{where} answered HTTP {status}"
    return SourceHTTPError(source, status, message, body=response.text[:ERROR_BODY_LIMIT])
