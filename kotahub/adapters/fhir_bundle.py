"""FHIR R4 searchset Bundles: their entries, paging links, references and OperationOutcomes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kotahub.adapters.payload_values import array, listed, mapping
from kotahub.errors import SourcePayloadError

Resource = Mapping[str, Any]
OUTCOME_LIMIT = 300


@dataclass
class ResourceIndex:
    """Every resource seen on a search's pages, found by type and id, and which ones matched."""

    by_key: dict[tuple[str, str], Resource] = field(default_factory=dict)
    matched: list[Resource] = field(default_factory=list)

    def add_page(self, bundle: Mapping[str, Any], source: str, log: logging.Logger) -> None:
        """Index a page's resources; an error OperationOutcome entry fails the search."""
        for entry in listed(source, bundle, "entry", "Bundle entries"):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            key = _key(resource) if isinstance(resource, Mapping) else None
            if resource is None or key is None:
                continue
            mode = mapping(entry.get("search")).get("mode", "match")
            if mode == "outcome" or key[0] == "OperationOutcome":
                _check_outcome(resource, source, log)
                continue
            self.by_key[key] = resource
            if mode == "match":
                self.matched.append(resource)

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


def _check_outcome(outcome: Resource, source: str, log: logging.Logger) -> None:
    issues = [i for i in array(outcome.get("issue")) if isinstance(i, Mapping)]
    text = outcome_text(outcome) or "OperationOutcome"
    if any(issue.get("severity") in ("error", "fatal") for issue in issues):
        raise SourcePayloadError(source, f"the search reported a problem: {text}")
    log.warning("source %s: the search says: %s", source, text)


def _issue_text(issue: Mapping[str, Any]) -> str:
    details = issue.get("details")
    detail_text = details.get("text") if isinstance(details, Mapping) else None
    text = issue.get("diagnostics") or detail_text or issue.get("code") or ""
    severity = issue.get("severity")
    return f"{severity}: {text}" if severity and text else str(text)


def _key(resource: Resource) -> tuple[str, str] | None:
    kind, rid = resource.get("resourceType"), resource.get("id")
    if kind == "OperationOutcome":
        return (kind, str(rid or ""))  # outcomes often carry no id
    return (kind, rid) if isinstance(kind, str) and isinstance(rid, str) else None


def _contained(holder: Resource, rid: str) -> Resource | None:
    for resource in array(holder.get("contained")):
        if isinstance(resource, Mapping) and resource.get("id") == rid:
            return resource
    return None
