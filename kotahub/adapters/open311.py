"""The complaints adapter: an Open311 GeoReport v2 client (JSON), reading and submitting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel, Field

from kotahub.adapters.error_bodies import explained
from kotahub.adapters.open311_definitions import Definitions
from kotahub.adapters.open311_lookup import lookup_window, same_submission
from kotahub.adapters.open311_records import (
    category_from,
    complaint_from,
    error_text,
    has_definition,
    service_code,
)
from kotahub.adapters.payload_values import position_fault
from kotahub.contract import ComplaintQuery, Domain, Receipt, UncertainPost
from kotahub.errors import SourceHTTPError, SourcePayloadError
from kotahub.records import (
    ComplaintCategoryRecord,
    ComplaintRecord,
    ComplaintSubmission,
    Provenance,
)
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.skips import Skip, UnusableRecord
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import ParamValue

WINDOW = timedelta(days=90)  # the spec's largest date range for one GET requests
MAX_PAGES = 50
IDS_PER_CALL = 100  # service_request_id values in one GET requests


class Open311Options(BaseModel, extra="forbid"):
    """``page_size`` for servers with the page/page_size extension (0: the server's own);
    ``jurisdiction_id`` for servers that host several cities."""

    page_size: int = Field(default=200, ge=0, le=1000)
    jurisdiction_id: str | None = None


class Open311ComplaintsAdapter:
    """Categories are services; complaints are service requests; submissions are POSTed."""

    kind: ClassVar[str] = "open311"
    domain: ClassVar[Domain] = "complaints"
    options_model: ClassVar[type[BaseModel]] = Open311Options

    def __init__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> None:
        self._session = session
        self._log = logger
        self._options = Open311Options.model_validate(settings.options)
        self._api_key = settings.api_key
        self._definitions = Definitions(session, self._common(), logger)

    @property
    def source(self) -> str:
        return self._session.name

    async def probe(self) -> None:
        await self._session.probe("services.json", self._common())

    async def categories(self) -> Sequence[ComplaintCategoryRecord]:
        """Every listed service with a code, with the questions of its definition; one whose
        definition the server does not have is kept without questions (and counted)."""
        page = await self._get("services.json", self._common())
        services = _list(self.source, page.body)
        listed: list[tuple[str, Mapping[str, Any]]] = []
        skips = []
        for index, service in enumerate(services):
            try:
                listed.append((service_code(service), service))
            except UnusableRecord as exc:
                skips.append(_numbered("service", index, exc.skip))
        self._session.report_skips(page, skips, len(services))
        asked = [code for code, service in listed if has_definition(service)]
        questions = await self._definitions.questions(asked, page)
        provenance = Provenance(page.source, page.fetched_at, page.stale)
        return [
            category_from(
                service,
                questions.get(code, ()),
                provenance,
                questions_known=code in questions or code not in asked,
            )
            for code, service in listed
        ]

    async def complaints(self, query: ComplaintQuery) -> Sequence[ComplaintRecord]:
        """Every request in the query's span, window by window, page by page."""
        records: dict[str, ComplaintRecord] = {}
        for window in _windows(query.since, query.until):
            params = {**self._common(), **_filters(query), **window}
            records |= await self._paged(params)  # windows share their edges
        return list(records.values())

    async def complaint(self, local_id: str) -> ComplaintRecord | None:
        try:
            page = await self._get(f"requests/{quote(local_id, safe='')}.json", self._common())
        except SourceHTTPError as exc:
            if exc.status == 404:
                return None
            raise
        found = self._records(page)
        return found[0] if found else None

    async def complaints_by_id(self, local_ids: Sequence[str]) -> Sequence[ComplaintRecord]:
        """One id: GET requests/{id}, which every server has; several: GET requests with the
        spec's comma-delimited service_request_id, up to IDS_PER_CALL ids a call. Ids that
        answer leaves out (a server that ignores the parameter, or pages its answer) are
        asked for one by one, so a complaint is never missed for the server's shortcut."""
        ids = sorted(set(local_ids))  # the same ids make the same URL, so it caches well
        records: list[ComplaintRecord] = []
        for start in range(0, len(ids), IDS_PER_CALL):
            records += await self._chunk(ids[start : start + IDS_PER_CALL])
        return records

    async def _chunk(self, ids: Sequence[str]) -> list[ComplaintRecord]:
        found: list[ComplaintRecord] = []
        if len(ids) > 1:
            try:
                page = await self._get(
                    "requests.json", {**self._common(), "service_request_id": ",".join(ids)}
                )
            except SourceHTTPError as exc:
                if not 400 <= exc.status < 500:
                    raise
            else:
                found = [record for record in self._records(page) if record.local_id in ids]
        seen = {record.local_id for record in found}
        alone = await asyncio.gather(*(self.complaint(i) for i in ids if i not in seen))
        return found + [record for record in alone if record is not None]

    async def submit(self, submission: ComplaintSubmission, idempotency_key: str) -> Receipt:
        """POST the request; the key makes a retry after a timeout return the first answer."""
        form = _form(submission) | self._common() | self._key()
        try:
            body = await self._session.post_form(
                "requests.json", form, headers={"Idempotency-Key": idempotency_key}
            )
        except SourceHTTPError as exc:
            raise explained(exc, error_text, self._log, _sent(form)) from exc
        first = _list(self.source, body)[0] if _list(self.source, body) else {}
        receipt = Receipt(_str(first.get("service_request_id")), _str(first.get("token")))
        if receipt.upstream_id is None and receipt.token is None:
            raise SourcePayloadError(
                self.source, "POST requests answered with neither id nor token"
            )
        return receipt

    async def id_for_token(self, token: str) -> str | None:
        """The request id a token has turned into, or None while the server is still working."""
        body = await self._session.fresh_json(
            f"tokens/{quote(token, safe='')}.json", self._common()
        )
        items = _list(self.source, body)
        return _str(items[0].get("service_request_id")) if items else None

    async def find_submitted(
        self, submission: ComplaintSubmission, posts: Sequence[UncertainPost]
    ) -> Sequence[str]:
        """Every request the uncertain posts of this submission may have made: GET requests
        of its service code while they were under way, read fresh, page by page, for those
        like it (open311_lookup says how, and why not a marker). A listing that does not end
        within MAX_PAGES is a SourcePayloadError: a candidate may be on a page not read."""
        if not posts:
            return []
        window = lookup_window(posts)
        params = {**self._common(), "service_code": submission.category_code, **window}
        size = self._options.page_size
        found: dict[str, None] = {}  # ordered, without repeats
        seen: set[str] = set()
        for number in range(1, MAX_PAGES + 1):
            paging = {"page": number, "page_size": size} if size else {}
            items = _list(self.source, await self._fresh("requests.json", {**params, **paging}))
            pairs = [
                (i, _str(i.get("service_request_id"))) for i in items if isinstance(i, Mapping)
            ]
            found |= {
                rid: None
                for item, rid in pairs
                if rid is not None and same_submission(item, submission, posts)
            }
            ids = {rid for _, rid in pairs if rid is not None}
            if not size or ids <= seen:  # the last page, or a server that ignores paging
                return list(found)
            seen |= ids
        raise SourcePayloadError(
            self.source, f"GET requests listed more than {MAX_PAGES} pages for one lookup"
        )

    async def _fresh(self, target: str, params: Mapping[str, ParamValue]) -> Any:
        try:
            return await self._session.fresh_json(target, params)
        except SourceHTTPError as exc:
            raise explained(exc, error_text, self._log) from exc

    async def _paged(self, params: Mapping[str, ParamValue]) -> dict[str, ComplaintRecord]:
        """Pages until one is empty or brings nothing new: a server may cap page_size below
        ours, or ignore paging and send the same list again."""
        size = self._options.page_size
        records: dict[str, ComplaintRecord] = {}
        previous: Any = None
        for number in range(1, MAX_PAGES + 1):
            paging = {"page": number, "page_size": size} if size else {}
            page = await self._get("requests.json", {**params, **paging})
            if number > 1 and page.body == previous:  # the same list again: not read twice,
                return records  # so that what it left out is not told twice either
            previous = page.body
            batch = self._records(page)
            new = {r.local_id: r for r in batch if r.local_id not in records}
            records |= new
            if not size or not new:
                return records
        self._log.warning("source %s: stopped after %d pages", self.source, MAX_PAGES)
        return records

    def _records(self, page: Fetched) -> list[ComplaintRecord]:
        return self._session.derived(page, "complaints", partial(self._read, page))

    def _read(self, page: Fetched) -> list[ComplaintRecord]:
        provenance = Provenance(page.source, page.fetched_at, page.stale)
        items = _list(self.source, page.body)
        records, skips = [], []
        for index, item in enumerate(items):
            try:
                records.append(complaint_from(item, provenance))
            except UnusableRecord as exc:
                skips.append(_numbered("request", index, exc.skip))
                continue
            fault = position_fault(item.get("lat"), item.get("long"))
            if fault is not None:
                told = Skip("bad value", f"{fault}; listed without a position", kept=True)
                skips.append(_numbered("request", index, told))
        self._session.report_skips(page, skips, len(items))
        return records

    async def _get(self, target: str, params: Mapping[str, ParamValue]) -> Fetched:
        try:
            return await self._session.get_json(target, params)
        except SourceHTTPError as exc:
            raise explained(exc, error_text, self._log) from exc

    def _common(self) -> dict[str, str]:
        jurisdiction = self._options.jurisdiction_id
        return {"jurisdiction_id": jurisdiction} if jurisdiction else {}

    def _key(self) -> dict[str, str]:
        return {"api_key": self._api_key.get_secret_value()} if self._api_key else {}


def _form(submission: ComplaintSubmission) -> dict[str, str | list[str]]:
    contact = submission.contact
    fields: dict[str, str | None] = {
        "service_code": submission.category_code,
        "description": submission.description,
        "lat": None if submission.lat is None else f"{submission.lat:.6f}",
        "long": None if submission.lon is None else f"{submission.lon:.6f}",
        "address_string": submission.address,
        "media_url": submission.media_url,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
    }
    form: dict[str, str | list[str]] = {k: v for k, v in fields.items() if v}
    for code, value in submission.attributes.items():
        form[f"attribute[{code}][]" if isinstance(value, list) else f"attribute[{code}]"] = value
    return form


def _filters(query: ComplaintQuery) -> dict[str, str]:
    filters = {}
    if query.status:
        filters["status"] = query.status
    if query.category:
        filters["service_code"] = query.category
    return filters


def _windows(since: datetime | None, until: datetime | None) -> list[dict[str, str]]:
    """Date ranges of at most 90 days covering the span, newest first; none: the default."""
    if since is None and until is None:
        return [{}]  # the server's own latest 90 days; a stable URL, so it caches well
    # "Until now" is rounded up to the minute so that repeated queries share cache entries.
    end = until or datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    start = since or end - WINDOW
    windows = []
    while end > start:
        begin = max(start, end - WINDOW)
        windows.append({"start_date": _w3c(begin), "end_date": _w3c(end)})
        end = begin
    return windows


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _list(source: str, body: Any) -> list[Any]:
    if not isinstance(body, list):
        found = type(body).__name__
        raise SourcePayloadError(source, f"expected a JSON array as Open311 answers, got {found}")
    return body


def _sent(form: Mapping[str, str | list[str]]) -> list[str]:
    """The values of a form, for an echo of them to be redacted (the service code stays)."""
    values = [v for k, v in form.items() if k != "service_code"]
    return [item for value in values for item in ([value] if isinstance(value, str) else value)]


def _numbered(what: str, index: int, skip: Skip) -> Skip:
    """The skip of the ``index``-th item of a list, saying which it was."""
    where = f"{what} {index}"
    return Skip(skip.reason, f"{where}: {skip.detail}" if skip.detail else where, skip.kept)


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None
