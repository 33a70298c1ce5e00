"""Reference complaints upstream: Balikpapan service requests served as Open311 GeoReport v2."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kotahub.demo.instrumented import instrumented_app
from kotahub.demo.open311_catalogue import Catalogue
from kotahub.demo.open311_errors import (
    JSON_UTF8,
    NO_STORE,
    Open311Error,
    bad_request,
    forbidden,
    http_error_handler,
    not_found,
    open311_error_handler,
)
from kotahub.demo.open311_form import Form, parse_submission, read_form
from kotahub.demo.open311_idempotency import IdempotencyConflict, Outcome, idempotency_key
from kotahub.demo.open311_media import SVG, media_svg
from kotahub.demo.open311_params import check_jurisdiction, parse_requests_query, single
from kotahub.demo.open311_store import Open311Store
from kotahub.demo.open311_time import WITA
from kotahub.demo.request_values import quoted
from kotahub.demo.responses import app_base, cached_response, encode_json

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CACHE_CONTROL = "public, max-age=60"
"""Complaints change, so GET answers are cached for a minute (tourism: five)."""
DEMO_API_KEY = "kotahub-demo-key"


def cacheable(request: Request, payload: Any, media_type: str = JSON_UTF8) -> Response:
    """A GET answer with an ETag, cached publicly for a minute."""
    body = payload if isinstance(payload, bytes) else encode_json(payload)
    response = cached_response(request, body, media_type)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def without_format(name: str) -> str:
    """A path segment without its ``.json`` suffix; a 400 for ``.xml``, not served here."""
    if name.endswith(".xml"):
        raise bad_request(f"{quoted(name)} asks for XML; this server answers JSON only (.json).")
    return name.removesuffix(".json")


def check_format(request: Request) -> None:
    """A 400 unless the ``.{format}`` of the path, if any, is ``json``."""
    given = request.path_params.get("format")
    if given is not None and given != "json":
        raise bad_request(f"Format {quoted(given)} is not served; use .json or no extension.")


def link_header(base: str, pairs: list[tuple[str, str]], page: int, last: int) -> str:
    """An RFC 8288 Link header with first, prev, next and last pages of GET requests."""

    def url(number: int) -> str:
        params = [(k, v) for k, v in pairs if k != "page"] + [("page", str(number))]
        return f"{base}requests.json?{urlencode(params)}"

    links = [(url(1), "first")]
    if page > 1:
        links.append((url(min(page - 1, last)), "prev"))
    if page < last:
        links.append((url(page + 1), "next"))
    links.append((url(last), "last"))
    return ", ".join(f'<{href}>; rel="{rel}"' for href, rel in links)


class Open311Endpoints:
    """The HTTP handlers, sharing one catalogue and one store."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: Open311Store,
        api_keys: Collection[str],
        deferred_ids: bool,
        jurisdiction_id: str,
        idempotency_keys: bool = True,
    ) -> None:
        self.catalogue = catalogue
        self.store = store
        self.api_keys = frozenset(api_keys)
        self.deferred_ids = deferred_ids
        self.jurisdiction_id = jurisdiction_id
        self.idempotency_keys = idempotency_keys
        self.changeset = datetime.now(WITA).strftime("%Y-%m-%d %H:%M")

    def _jurisdiction(self, request: Request) -> None:
        check_jurisdiction(request.query_params.multi_items(), self.jurisdiction_id)

    async def discovery(self, request: Request) -> Response:
        check_format(request)
        endpoint = {
            "specification": SPECIFICATION,
            "url": app_base(request).rstrip("/"),
            "changeset": self.changeset,
            "type": "test",
            "formats": ["application/json"],
        }
        payload = {
            "changeset": self.changeset,
            "contact": "KotaHub reference upstream with sample data for Balikpapan "
            f"({self.jurisdiction_id}); not a real complaint channel.",
            "key_service": "Ask the operator of this KotaHub demo for an api_key.",
            "endpoints": [endpoint],
        }
        return cacheable(request, payload)

    async def services(self, request: Request) -> Response:
        check_format(request)
        self._jurisdiction(request)
        service_type = "batch" if self.deferred_ids else "realtime"
        return cacheable(request, [s.summary(service_type) for s in self.catalogue.services])

    async def service_definition(self, request: Request) -> Response:
        self._jurisdiction(request)
        code = without_format(request.path_params["service_code"])
        service = self.catalogue.by_code.get(code)
        if service is None:
            codes = ", ".join(self.catalogue.by_code)
            raise not_found(f"service_code {quoted(code)} was not found; the codes are {codes}.")
        return cacheable(request, service.definition())

    async def requests_resource(self, request: Request) -> Response:
        check_format(request)
        if request.method == "POST":
            return await self.create(request)
        return await self.search(request)

    async def search(self, request: Request) -> Response:
        pairs = request.query_params.multi_items()
        check_jurisdiction(pairs, self.jurisdiction_id)
        now = datetime.fromtimestamp(self.store.now(), WITA)
        query = parse_requests_query(pairs, self.catalogue, now)
        page = self.store.search(query)
        base = app_base(request)
        response = cacheable(request, [r.served(self.catalogue, base) for r in page.requests])
        response.headers["X-Total-Count"] = str(page.total)
        if query.ids is None:
            last = max(1, math.ceil(page.total / query.page_size))
            link = link_header(base, query.parameters(query.page), query.page, last)
            response.headers["Link"] = link
        return response

    async def request(self, request: Request) -> Response:
        self._jurisdiction(request)
        rid = without_format(request.path_params["service_request_id"])
        found = self.store.get(rid)
        if found is None:
            raise not_found(
                f"No service request has the id {quoted(rid)}. Reports made with a token get "
                "their id from tokens/{token}.json once it is assigned."
            )
        return cacheable(request, [found.served(self.catalogue, app_base(request))])

    async def create(self, request: Request) -> Response:
        form = read_form(request.headers.get("content-type"), await request.body())
        client = self._authorise(form, request)
        check_jurisdiction(form.pairs, self.jurisdiction_id)
        header = request.headers.get("idempotency-key") if self.idempotency_keys else None
        key = idempotency_key(header, client, form)
        try:
            outcome = None if key is None else self.store.replay(key)
            if outcome is None:
                submission = parse_submission(form, self.catalogue)
                outcome = self.store.create(submission, self.deferred_ids, key)
        except IdempotencyConflict as exc:
            raise Open311Error(
                422,
                f"Idempotency-Key {quoted(str(exc))} was already used with a different "
                "request body; resend the identical body to retry, or use a new key.",
            ) from exc
        return self._created(request, outcome)

    def _authorise(self, form: Form, request: Request) -> str:
        """The client (a digest of its api_key); a 403 for a missing or unknown key."""
        api_key = single(form.pairs, "api_key") or single(
            request.query_params.multi_items(), "api_key"
        )
        if api_key is None:
            raise forbidden("api_key is required to create a service request; none was sent.")
        if api_key not in self.api_keys:
            raise forbidden("Invalid api_key received -- can't proceed with create_request.")
        return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:32]

    def _created(self, request: Request, outcome: Outcome) -> Response:
        base = app_base(request)
        if outcome.token is not None:
            payload: list[dict[str, Any]] = [{"token": outcome.token}]
            location = f"{base}tokens/{outcome.token}.json"
        else:
            rid = outcome.service_request_id
            answer = {"service_request_id": rid, "service_notice": outcome.service_notice}
            payload = [answer | {"account_id": None}]
            location = f"{base}requests/{rid}.json"
        headers = {"Cache-Control": NO_STORE, "Location": location}
        if outcome.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(encode_json(payload), 201, headers, media_type=JSON_UTF8)

    async def token(self, request: Request) -> Response:
        self._jurisdiction(request)
        token = without_format(request.path_params["token"])
        state = self.store.poll_token(token)
        if state is None:
            raise not_found(f"Token {quoted(token)} was not found; tokens come from POST requests.")
        payload = [{"service_request_id": state.service_request_id, "token": token}]
        headers = {"Cache-Control": NO_STORE}
        return Response(encode_json(payload), media_type=JSON_UTF8, headers=headers)

    async def media(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        found = self.store.media(name)
        service = None if found is None else self.catalogue.by_code.get(found.service_code)
        if found is None or service is None:
            raise not_found(f"No media named {quoted(name + '.svg')}; see each media_url.")
        body = media_svg(service.name, service.group, found.address or "")
        return cached_response(request, body, SVG)


def _routes(endpoints: Open311Endpoints) -> list[Route]:
    requests_methods = ["GET", "POST"]
    return [
        Route("/", endpoints.discovery, methods=["GET"]),
        Route("/discovery", endpoints.discovery, methods=["GET"]),
        Route("/discovery.{format}", endpoints.discovery, methods=["GET"]),
        Route("/services", endpoints.services, methods=["GET"]),
        Route("/services.{format}", endpoints.services, methods=["GET"]),
        Route("/services/{service_code}", endpoints.service_definition, methods=["GET"]),
        Route("/requests", endpoints.requests_resource, methods=requests_methods),
        Route("/requests.{format}", endpoints.requests_resource, methods=requests_methods),
        Route("/requests/{service_request_id}", endpoints.request, methods=["GET"]),
        Route("/tokens/{token}", endpoints.token, methods=["GET"]),
        Route("/media/{name}.svg", endpoints.media, methods=["GET"]),
    ]


def create_open311_app(
    latency_ms: float = 0.0,
    database: Path | None = None,
    api_keys: Collection[str] = (DEMO_API_KEY,),
    deferred_ids: bool = False,
    jurisdiction_id: str = "balikpapan.go.id",
    idempotency_keys: bool = True,
) -> Starlette:
    """The Open311 upstream; ``app.state.request_log`` records every request reaching it
    and ``app.state.store`` is its Open311Store (``count_requests``, ``set_status``).

    JSON only; every path answers with or without ``.json``. ``database`` is the SQLite
    file (created and seeded with the sample reports when new; a temporary file when
    None); reports, reporters, tokens and idempotency keys survive a restart on the same
    file. POST requests needs one of ``api_keys``. With ``deferred_ids`` the services are
    of type ``batch``: POST answers a token, and the id appears at ``tokens/{token}.json``
    on its second poll (or DEFER_SECONDS after the POST).

    Extensions to GeoReport v2, all optional for clients:

    - ``district``: the kecamatan of each service request (for new reports: the one named
      in address_string, else the one of the nearest kelurahan centre).
    - ``page`` (1-based) and ``page_size`` (default 50, at most 200) on GET requests; the
      answer carries ``X-Total-Count`` (all matches) and an RFC 8288 ``Link`` header with
      ``first``, ``prev``, ``next`` and ``last`` (their dates made explicit, so paging is
      stable); a page shorter than page_size is the last one.
    - an ``Idempotency-Key`` header on POST requests, scoped to the api_key: a retry with
      the same key and form gets the first answer again (``Idempotent-Replayed: true``),
      another form gets a 422. Refused POSTs do not use up the key. With
      ``idempotency_keys=False`` the header is ignored, as GeoReport v2 itself does: every
      POST makes a new request.
    - ``discovery.json`` (Open311 Service Discovery) and ``media/{name}.svg``, the
      placeholder pictures of sample reports.
    """
    catalogue = Catalogue.load()
    store = Open311Store.open(catalogue, database)
    endpoints = Open311Endpoints(
        catalogue, store, api_keys, deferred_ids, jurisdiction_id, idempotency_keys
    )
    handlers = {Open311Error: open311_error_handler, HTTPException: http_error_handler}
    inner = Starlette(routes=_routes(endpoints), exception_handlers=handlers)
    app = instrumented_app(inner, latency_ms)
    app.state.store = store
    return app
