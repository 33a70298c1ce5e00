"""One call to a source as a whole: its circuit breaker, deadline, retries and bearer token."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from kotahub.errors import (
    RequestDeadlineExceeded,
    SourceError,
    SourcePayloadError,
    SourceTimeout,
)
from kotahub.observability.metrics import HubMetrics
from kotahub.upstream.attempt import AttemptLimits, Call, parse_json, send, status_error
from kotahub.upstream.deadline import RequestDeadline, call_budget, deadline_passed
from kotahub.upstream.oauth import TokenProvider
from kotahub.upstream.retry import IDEMPOTENT_METHODS, Deadline, with_retries
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.source_status import SourceStatus
from kotahub.upstream.urls import located


@dataclass(frozen=True, slots=True)
class Answer:
    """An upstream's response and its parsed JSON (None for 304, or when not parsed)."""

    response: httpx.Response
    body: Any = None


class SourceCaller:
    """Calls one source. Idempotent calls pass its circuit breaker and are retried; every
    call, whatever it waits for, is over by the source's ``timeout_seconds``, or sooner
    when the request it is made for has less time left."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: SourceSettings,
        status: SourceStatus,
        metrics: HubMetrics,
        tokens: TokenProvider | None = None,
    ) -> None:
        self.name = settings.name
        self._http = http
        self._settings = settings
        self._status = status
        self._metrics = metrics
        self._tokens = tokens
        self._limits = AttemptLimits(
            settings.connect_timeout_seconds,
            settings.read_timeout_seconds,
            settings.max_response_bytes,
        )

    async def call(
        self, call: Call, *, not_modified_ok: bool = False, parse: bool = True
    ) -> Answer:
        """The answer, or a SourceError naming the source. A POST (a complaint's delivery,
        which its worker retries at its own pace) goes around the breaker and is sent once."""
        budget = self._budget(call)
        if call.method not in IDEMPOTENT_METHODS:
            return await self._unguarded(call, budget, parse)
        passage = self._status.admit()
        retries = 0 if passage.probe else self._settings.retries  # a probe is one request
        try:
            answer = await self._within_deadline(call, budget, retries, not_modified_ok, parse)
        except RequestDeadlineExceeded:  # the request ran out of time, not the upstream
            self._status.abandoned(passage)
            raise
        except SourceError as exc:
            self._status.failed(passage, exc)
            raise
        except BaseException:
            self._status.abandoned(passage)
            raise
        self._status.succeeded(passage)
        return answer

    def _budget(self, call: Call) -> _Budget:
        """The call's time; RequestDeadlineExceeded, before anything is sent, when the
        request it is made for has none left."""
        seconds, request = call_budget(self._settings.timeout_seconds)
        if request is not None and seconds <= 0:
            raise deadline_passed(self.name, _where(call), request, sent=False)
        return _Budget(seconds, request)

    async def _unguarded(self, call: Call, budget: _Budget, parse: bool) -> Answer:
        try:
            answer = await self._within_deadline(call, budget, 0, False, parse)
        except RequestDeadlineExceeded:  # the request ran out of time, not the upstream
            raise
        except SourceError as exc:
            self._status.note_failure(exc)
            raise
        self._status.note_success()
        return answer

    async def _within_deadline(
        self, call: Call, budget: _Budget, retries: int, not_modified_ok: bool, parse: bool
    ) -> Answer:
        seconds, request = budget.seconds, budget.request
        limit = None if request is None else _request_limit(request)
        try:
            async with asyncio.timeout(seconds):
                deadline = Deadline(seconds, limit=limit)
                response = await self._request(call, deadline, retries, not_modified_ok)
                if not parse or response.status_code == 304:
                    return Answer(response)
                return Answer(response, self._parsed(response))
        except TimeoutError as exc:
            if request is not None:
                failure: SourceTimeout = deadline_passed(
                    self.name, _where(call), request, sent=True
                )
            else:
                failure = SourceTimeout(
                    self.name,
                    f"{_where(call)} got no answer within {seconds:g}s (timeout_seconds)",
                )
            self._metrics.upstream_errors.labels(self.name, failure.code).inc()
            raise failure from exc

    def _parsed(self, response: httpx.Response) -> Any:
        try:
            return parse_json(self.name, response)
        except SourcePayloadError as exc:
            self._metrics.upstream_errors.labels(self.name, exc.code).inc()
            raise

    async def _request(
        self, call: Call, deadline: Deadline, retries: int, not_modified_ok: bool
    ) -> httpx.Response:
        """With OAuth, a refused token is replaced and the call made once more."""
        token = await self._bearer()
        response = await self._attempts(call, token, deadline, retries)
        if response.status_code == 401 and self._tokens is not None and token is not None:
            self._tokens.forget(token)
            response = await self._attempts(call, await self._bearer(), deadline, retries)
        if response.status_code == 304 and not_modified_ok:
            return response
        if response.status_code >= 300:
            where = located(call.method, response.url)
            raise status_error(self.name, where, response)
        return response

    async def _attempts(
        self, call: Call, token: str | None, deadline: Deadline, retries: int
    ) -> httpx.Response:
        async def send_once() -> httpx.Response:
            return await send(self._http, self.name, call, token, self._limits, self._metrics)

        if retries == 0 or call.method not in IDEMPOTENT_METHODS:
            return await send_once()
        counter = self._metrics.upstream_retries.labels(self.name)
        return await with_retries(self.name, send_once, retries, deadline, counter.inc)

    async def _bearer(self) -> str | None:
        if self._tokens is not None:
            return await self._tokens.token()
        token = self._settings.token
        return token.get_secret_value() if token is not None else None


@dataclass(frozen=True, slots=True)
class _Budget:
    """The seconds a call may take, and the request's deadline when that is what sets them."""

    seconds: float
    request: RequestDeadline | None


def _where(call: Call) -> str:
    return located(call.method, call.full_url())


def _request_limit(request: RequestDeadline) -> str:
    return f"the request's {request.seconds:g}s (request_timeout_seconds)"
