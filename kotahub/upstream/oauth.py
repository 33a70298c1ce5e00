"""Bearer tokens by the OAuth2 client-credentials flow (RFC 6749 §4.4), refreshed before expiry."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote_plus

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

from kotahub.errors import SourceHTTPError, SourcePayloadError, SourceTimeout, SourceUnavailable
from kotahub.single_flight import SingleFlight
from kotahub.upstream.urls import shown

log = logging.getLogger("kotahub.oauth")

# After a failed token request, callers get the same error for this long instead of each
# sending another request to a token endpoint that is down or refusing the credentials.
FAILURE_BACKOFF_SECONDS = 2.0


class OAuthSettings(BaseModel):
    """Where and how a source's tokens are obtained (as SATUSEHAT does)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_url: HttpUrl
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    scope: str | None = None
    # client_secret_post sends the credentials in the form body, client_secret_basic in a header.
    auth_method: Literal["client_secret_post", "client_secret_basic"] = "client_secret_post"
    refresh_margin_seconds: float = Field(default=60.0, ge=0, le=3600)


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float


class TokenProvider:
    """One source's current token; concurrent callers share one token request."""

    def __init__(
        self,
        source: str,
        settings: OAuthSettings,
        http: httpx.AsyncClient,
        timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._settings = settings
        self._http = http
        self._timeout = timeout_seconds
        self._clock = clock
        self._token: _Token | None = None
        self._fetching: SingleFlight[str, _Token] = SingleFlight()
        self._failure: tuple[float, BaseException] | None = None

    async def token(self) -> str:
        """A token valid for at least the refresh margin; concurrent callers share one fetch."""
        now = self._clock()
        if self._token is not None and now < self._token.refresh_at:
            return self._token.value
        if self._failure is not None and now < self._failure[0]:
            raise self._failure[1]
        return (await self._fetching.join(self._source, self._fetch_and_keep)).value

    async def _fetch_and_keep(self) -> _Token:
        """A new token, kept for later callers; a failure is kept for the backoff instead."""
        try:
            token = await self._fetch()
        except Exception as error:
            self._failure = (self._clock() + FAILURE_BACKOFF_SECONDS, error)
            raise
        self._token, self._failure = token, None
        return token

    def forget(self, rejected: str) -> None:
        """Drop a token the upstream refused, so the next call fetches a fresh one."""
        if self._token is not None and self._token.value == rejected:
            self._token = None

    async def _fetch(self) -> _Token:
        response = await self._post()
        body = _json_object(self._source, response)
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise SourcePayloadError(self._source, "token answer has no access_token")
        lifetime = _seconds(body.get("expires_in"))
        margin = min(self._settings.refresh_margin_seconds, lifetime / 2)
        log.info("source %s: new access token, valid %.0f s", self._source, lifetime)
        return _Token(value, self._clock() + lifetime - margin)

    async def _post(self) -> httpx.Response:
        settings = self._settings
        secret = settings.client_secret.get_secret_value()
        form = {"grant_type": "client_credentials"}
        if settings.scope:
            form["scope"] = settings.scope
        auth: tuple[str, str] | None = None
        if settings.auth_method == "client_secret_basic":
            # RFC 6749 §2.3.1: both are form-urlencoded before they are joined and encoded.
            auth = (quote_plus(settings.client_id), quote_plus(secret))
        else:
            form |= {"client_id": settings.client_id, "client_secret": secret}
        url = httpx.URL(str(settings.token_url))
        if "grant_type" not in url.params:  # SATUSEHAT also wants it in the query
            url = url.copy_merge_params({"grant_type": "client_credentials"})
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(
                    url, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise SourceTimeout(
                self._source, f"token request got no answer in {self._timeout:g}s"
            ) from exc
        except httpx.HTTPError as exc:
            raise SourceUnavailable(
                self._source, f"token request failed: {type(exc).__name__}"
            ) from exc
        if response.status_code >= 400:
            raise _refused(self._source, response)
        return response


def _refused(source: str, response: httpx.Response) -> SourceHTTPError:
    reason = ""
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            reason = f": {body['error']}"
    except ValueError:
        pass
    where = shown(str(response.url))
    message = f"token request to {where} answered HTTP {response.status_code}{reason}"
    return SourceHTTPError(source, response.status_code, message)


def _json_object(source: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise SourcePayloadError(source, "token answer is not valid JSON") from exc
    if not isinstance(body, dict):
        raise SourcePayloadError(source, "token answer is not a JSON object")
    return body


def _seconds(value: Any) -> float:
    """``expires_in`` as seconds; some servers (Apigee, SATUSEHAT) send it as a string."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return 300.0
    return seconds if seconds > 0 else 300.0
