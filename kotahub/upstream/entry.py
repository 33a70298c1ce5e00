"""One cached upstream answer: its body, when it was fetched, how long it may be used."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

# fresh: serve; stale: serve, and refresh in the background; fallback: fetch, and serve it
# only if the upstream fails; expired: fetch.
Freshness = Literal["fresh", "stale", "fallback", "expired"]


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """Times are seconds since the epoch, so that every replica reads them alike."""

    url: str
    body: str
    fetched_at: float
    fresh_until: float
    stale_until: float
    etag: str | None = None
    last_modified: str | None = None
    revalidate_until: float | None = None  # None: the whole stale window

    def freshness(self, now: float) -> Freshness:
        if now < self.fresh_until:
            return "fresh"
        if now < (self.stale_until if self.revalidate_until is None else self.revalidate_until):
            return "stale"
        return "fallback" if now < self.stale_until else "expired"

    @property
    def revalidatable(self) -> bool:
        return self.etag is not None or self.last_modified is not None

    def conditional_headers(self) -> dict[str, str]:
        """What asks the upstream for the answer only if it changed (RFC 9110, 13.1)."""
        headers = {}
        if self.etag is not None:
            headers["If-None-Match"] = self.etag
        if self.last_modified is not None:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def encode(self) -> bytes:
        return json.dumps(
            {
                "url": self.url,
                "body": self.body,
                "fetched_at": self.fetched_at,
                "fresh_until": self.fresh_until,
                "stale_until": self.stale_until,
                "etag": self.etag,
                "last_modified": self.last_modified,
                "revalidate_until": self.revalidate_until,
            }
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> CacheEntry | None:
        """The entry, or None for bytes that are not one (an older format, say)."""
        try:
            data = json.loads(raw)
            return cls(
                url=str(data["url"]),
                body=str(data["body"]),
                fetched_at=float(data["fetched_at"]),
                fresh_until=float(data["fresh_until"]),
                stale_until=float(data["stale_until"]),
                etag=_optional_text(data.get("etag")),
                last_modified=_optional_text(data.get("last_modified")),
                revalidate_until=_optional_number(data.get("revalidate_until")),
            )
        except (ValueError, KeyError, TypeError):
            return None


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _optional_number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
