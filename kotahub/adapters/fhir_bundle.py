"""FHIR R4 searchset Bundles: their entries, paging links, references and OperationOutcomes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kotahub.adapters.payload_values import array, listed, mapping
from kotahub.errors import SourcePayloadError
from kotahub.upstream.skips import Skip

Resource = Mapping[str, Any]
OUTCOME_LIMIT = 300


# The resources the adapter reads; others a search includes (Endpoint, Practitioner…) are
# neither counted nor skipped.
READ_TYPES = frozenset({"Location", "Organization", "HealthcareService"})


@dataclass
class ResourceIndex:
    """Every resource seen on a search's pages, found by type and id, and which ones matched.

    Each resource remembers the page it was last seen on (its number, counted from 0 over
    every page added), so that a record left out is told with the page it came from.
    """

    by_key: dict[tuple[str, str], Resource] = field(default_factory=dict)
    matched: list[Resource] = field(default_factory=list)
    page_of: dict[tuple[str, str], int] = field(default_factory=dict)
    pages: int = 0

    def add_entries(self, entries: PageEntries, matching: bool = True) -> PageRead:
        """Index a page's resources, as ``page_entries`` read them; ``matching``: whether the
        page's matches are what the search lists (not for the searches that only fetch what
        the listed resources refer to)."""
        page = self.pages
        self.pages += 1
        for key, resource, match in entries.resources:
            self.by_key[key] = resource
            self.page_of[key] = page
            if match and matching:
                self.matched.append(resource)
        return entries.read

    def of_type(self, resource_type: str) -> Iterable[Resource]:
        return (r for (kind, _id), r in self.by_key.items() if kind == resource_type)

    def resolve(self, reference: Any, holder: Resource) -> Resource | None:
        """The resource a Reference points to: contained (``#id``), relative or absolute URL."""
        key = reference_key(reference)
        if key is None:
            return None
        if key[0] == "#":
            return _contained(holder, key[1])
        return self.by_key.get(key)


@dataclass(frozen=True)
class PageEntries:
    """A page's resources by key, each with whether it matched the search, and what the page
    held of the resources the adapter reads."""

    resources: list[tuple[tuple[str, str], Resource, bool]]
    read: PageRead


def page_entries(bundle: Mapping[str, Any], source: str, log: logging.Logger | None) -> PageEntries:
    """The resources of a page; an error OperationOutcome entry fails the search, a warning
    one is logged to ``log`` (None when the page was told already)."""
    read, resources = PageRead(), []
    for number, entry in enumerate(listed(source, bundle, "entry", "Bundle entries")):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping):
            read.count(Skip("not a record", f"entry {number + 1} holds no resource"))
            continue
        mode = mapping(entry.get("search")).get("mode", "match")
        if mode == "outcome" or resource.get("resourceType") == "OperationOutcome":
            _check_outcome(resource, source, log)
            continue
        key = _key(resource)
        if _type_of(resource) in READ_TYPES:
            read.count(None if key else Skip("no id", f"entry {number + 1} has no id"))
        if key is not None:
            resources.append((key, resource, mode == "match"))
    return PageEntries(resources, read)


@dataclass
class PageRead:
    """What a page held of the resources the adapter reads, and which could not be used."""

    total: int = 0
    skips: list[Skip] = field(default_factory=list)

    def count(self, skip: Skip | None) -> None:
        self.total += 1
        if skip is not None:
            self.skips.append(skip)


def reference_key(reference: Any) -> tuple[str, str] | None:
    """``(type, id)`` of a Reference, or ``("#", id)`` for a contained one; None if unusable."""
    if not isinstance(reference, Mapping) or not isinstance(reference.get("reference"), str):
        return None
    text = reference["reference"].strip()
    if text.startswith("#"):
        return ("#", text[1:])
    parts = [part for part in text.split("?")[0].split("/") if part]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return (parts[-2], parts[-1]) if len(parts) >= 2 else None


def next_link(bundle: Mapping[str, Any]) -> str | None:
    for link in array(bundle.get("link")):
        if isinstance(link, Mapping) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None


def outcome_text(body: Any) -> str | None:
    """What an OperationOutcome says, shortened; None when the body is not one."""
    if not isinstance(body, Mapping) or body.get("resourceType") != "OperationOutcome":
        return None
    issues = array(body.get("issue"))
    texts = [_issue_text(issue) for issue in issues if isinstance(issue, Mapping)]
    text = "; ".join(t for t in texts if t) or "OperationOutcome without diagnostics"
    text = " ".join(text.split())
    return text if len(text) <= OUTCOME_LIMIT else text[: OUTCOME_LIMIT - 1] + "…"


def _check_outcome(outcome: Resource, source: str, log: logging.Logger | None) -> None:
    issues = [i for i in array(outcome.get("issue")) if isinstance(i, Mapping)]
    text = outcome_text(outcome) or "OperationOutcome"
    if any(issue.get("severity") in ("error", "fatal") for issue in issues):
        raise SourcePayloadError(source, f"the search reported a problem: {text}")
    if log is not None:
        log.warning("source %s: the search says: %s", source, text)


def _issue_text(issue: Mapping[str, Any]) -> str:
    # details.text is written for people; diagnostics is often a stack trace or an error id.
    details = mapping(issue.get("details"))
    displays = [c.get("display") for c in array(details.get("coding")) if isinstance(c, Mapping)]
    said = [details.get("text"), issue.get("diagnostics"), *displays, issue.get("code")]
    text = next((t.strip() for t in said if isinstance(t, str) and t.strip()), "")
    severity = issue.get("severity")
    return f"{severity}: {text}" if severity and text else str(text)


def _type_of(resource: Resource) -> str | None:
    kind = resource.get("resourceType")
    return kind if isinstance(kind, str) else None


def _key(resource: Resource) -> tuple[str, str] | None:
    kind, rid = resource.get("resourceType"), resource.get("id")
    return (kind, rid) if isinstance(kind, str) and isinstance(rid, str) else None


def _contained(holder: Resource, rid: str) -> Resource | None:
    for resource in array(holder.get("contained")):
        if isinstance(resource, Mapping) and resource.get("id") == rid:
            return resource
    return None
