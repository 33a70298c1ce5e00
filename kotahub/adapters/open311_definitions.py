"""The questions of an Open311 server's services, from their definitions.

A server may list a service with ``metadata: true`` and still have no definition for it: a
404 on ``services/{code}.json``, an Open311 error array, or something else. The service is
kept, without questions, so that one missing definition does not empty the whole list of
categories; the definition is counted as a skipped record ("no definition") against the
definitions asked, so that ``sources`` and check-source say so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import quote

from kotahub.adapters.error_bodies import explained
from kotahub.adapters.open311_records import NO_DEFINITION, error_text, questions_from
from kotahub.errors import SourceHTTPError, SourcePayloadError
from kotahub.records import CategoryAttribute
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.skips import Skip, UnusableRecord

Questions = tuple[CategoryAttribute, ...]
PASSING_STATUSES = frozenset({408, 429})  # "not now", like a 5xx: not remembered as missing


@dataclass(frozen=True, slots=True)
class _Answer:
    questions: Questions = ()
    skip: Skip | None = None
    fetched_at: datetime | None = None


class Definitions:
    """Reads the definitions of listed services; remembers those the server does not have
    until the service list is fetched anew, so that they are not asked for on every request
    (an error is not cached)."""

    def __init__(
        self, session: SourceSession, params: Mapping[str, str], logger: logging.Logger
    ) -> None:
        self._session = session
        self._params = params
        self._log = logger
        self._listed_at: datetime | None = None
        self._missing: dict[str, Skip] = {}

    async def questions(self, codes: Sequence[str], listing: Fetched) -> dict[str, Questions]:
        """The questions of each service in ``codes`` that has a definition; the others are
        reported as skipped, once per fetch of the list and of the definitions."""
        if listing.fetched_at != self._listed_at:
            self._listed_at, self._missing = listing.fetched_at, {}
        unique = list(dict.fromkeys(codes))
        answers = await asyncio.gather(*(self._definition(code) for code in unique))
        if unique:
            times = [listing.fetched_at, *(a.fetched_at for a in answers if a.fetched_at)]
            counted = replace(listing, url=f"{listing.url}#definitions", fetched_at=max(times))
            skips = [answer.skip for answer in answers if answer.skip is not None]
            self._session.report_skips(counted, skips, len(unique))
        return {code: a.questions for code, a in zip(unique, answers, strict=True) if not a.skip}

    async def _definition(self, code: str) -> _Answer:
        if code in self._missing:
            return _Answer(skip=self._missing[code])
        try:
            page = await self._session.get_json(
                f"services/{quote(code, safe='')}.json", self._params
            )
            return _Answer(questions_from(page.body, code), fetched_at=page.fetched_at)
        except UnusableRecord as exc:  # answered and cached: read again from the cache
            return _Answer(skip=replace(exc.skip, kept=True))
        except SourceHTTPError as exc:
            said = explained(exc, error_text, self._log).detail
            skip = Skip(NO_DEFINITION, f"service {code!r}: {said}", kept=True)
            if exc.status >= 500 or exc.status in PASSING_STATUSES:  # asked again next time
                return _Answer(skip=skip)
        except SourcePayloadError as exc:
            skip = Skip(NO_DEFINITION, f"service {code!r}: {exc.detail}", kept=True)
        self._missing[code] = skip
        return _Answer(skip=skip)
