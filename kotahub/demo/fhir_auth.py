"""OAuth2 client-credentials tokens for the reference FHIR upstream, issued the SATUSEHAT way."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import Request
from starlette.responses import Response

from kotahub.demo.fhir_outcome import FhirError
from kotahub.demo.responses import app_base, encode_json

TOKEN_PATH = "oauth2/v1/accesstoken"
REALM = "kotahub-demo-fhir"
FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error of the token endpoint."""

    def __init__(self, status: int, error: str, description: str, basic: bool = False) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.basic = basic

    def response(self) -> Response:
        """The JSON error response, with WWW-Authenticate when Basic credentials were used."""
        headers = dict(_NO_STORE)
        if self.basic:
            headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
        body = encode_json({"error": self.error, "error_description": self.description})
        return Response(body, self.status, headers=headers, media_type="application/json")


class TokenAuthority:
    """Issues bearer tokens for one client and tells whether a presented token is still valid.

    Tokens live ``lifetime_s`` seconds. ``on_issue`` is called with the running count of
    issued tokens after each one.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        lifetime_s: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if lifetime_s < 1:
            raise ValueError(f"token lifetime must be at least 1 second, got {lifetime_s!r}")
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime_s = lifetime_s
        self.clock = clock
        self.issued = 0
        self.on_issue: Callable[[int], None] | None = None
        self._expiry: dict[str, float] = {}

    def known_tokens(self) -> list[str]:
        """Every token issued and not yet forgotten (for tests that look for leaks)."""
        return list(self._expiry)

    def issue(self) -> str:
        """A new access token, valid from now for ``lifetime_s`` seconds."""
        now = self.clock()
        forgotten = [t for t, expiry in self._expiry.items() if expiry < now - 3600]
        for token in forgotten:
            del self._expiry[token]
        token = secrets.token_urlsafe(21)
        self._expiry[token] = now + self.lifetime_s
        self.issued += 1
        if self.on_issue is not None:
            self.on_issue(self.issued)
        return token

    async def token_endpoint(self, request: Request) -> Response:
        """``POST oauth2/v1/accesstoken?grant_type=client_credentials`` with a form body."""
        try:
            form = await _form(request)
            _check_grant(request.query_params.get("grant_type") or form.get("grant_type"))
            self._check_client(request, form)
        except OAuthError as error:
            return error.response()
        return Response(
            encode_json(self._token_body(self.issue())),
            headers=_NO_STORE,
            media_type="application/json",
        )

    def _check_client(self, request: Request, form: dict[str, str]) -> None:
        basic = _basic_credentials(request.headers.get("authorization"))
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        if not client_id or not secret:
            raise OAuthError(
                401,
                "invalid_client",
                "Send client_id and client_secret in the form body (or as HTTP Basic).",
                basic=basic is not None,
            )
        id_ok = secrets.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = secrets.compare_digest(secret.encode(), self.client_secret.encode())
        if not (id_ok and secret_ok):
            raise OAuthError(
                401,
                "invalid_client",
                "Unknown client_id or wrong client_secret.",
                basic=basic is not None,
            )

    def _token_body(self, token: str) -> dict[str, Any]:
        """The Apigee-style body SATUSEHAT returns: numbers as strings, token_type BearerToken."""
        product = "kotahub-demo-fhir"
        return {
            "refresh_token_expires_in": "0",
            "api_product_list": f"[{product}]",
            "api_product_list_json": [product],
            "organization_name": "kotahub-demo",
            "token_type": "BearerToken",
            "issued_at": str(int(time.time() * 1000)),
            "client_id": self.client_id,
            "access_token": token,
            "application_name": "kotahub-demo",
            "scope": "",
            "expires_in": str(self.lifetime_s),
            "refresh_count": "0",
            "status": "approved",
        }

    def authorise(self, request: Request) -> None:
        """Raises FhirError (401) unless the request carries a currently valid bearer token."""
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        how = f"POST {app_base(request)}{TOKEN_PATH}?grant_type=client_credentials"
        if scheme.lower() != "bearer" or not token.strip():
            raise FhirError(
                401,
                "security",
                "This server needs 'Authorization: Bearer <access token>'; "
                f"get a token with {how}.",
                {"WWW-Authenticate": f'Bearer realm="{REALM}"'},
            )
        expiry = self._expiry.get(token.strip())
        if expiry is None or expiry <= self.clock():
            problem = "is not valid" if expiry is None else "has expired"
            raise FhirError(
                401,
                "security",
                f"The access token {problem}; get a new one with {how}.",
                {
                    "WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token", '
                    f'error_description="The access token {problem}"'
                },
            )


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if not body:
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise OAuthError(400, "invalid_request", f"Send the form body as {FORM}.")
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _check_grant(grant_type: str | None) -> None:
    if not grant_type:
        raise OAuthError(400, "invalid_request", "grant_type=client_credentials is missing.")
    if grant_type != "client_credentials":
        raise OAuthError(
            400,
            "unsupported_grant_type",
            f"Only client_credentials is supported, not {grant_type!r}.",
        )


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "Malformed HTTP Basic credentials.", True) from None
    client_id, _, secret = decoded.partition(":")
    # RFC 6749 §2.3.1: each part was form-urlencoded before it was joined.
    return unquote_plus(client_id), unquote_plus(secret)
