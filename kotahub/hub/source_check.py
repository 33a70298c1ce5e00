"""``kotahub check-source NAME``: the adapter contract, run against a live upstream.

Each check calls the source as the hub would (bypassing the cache) and says whether it
conforms; a failure comes with what to fix. Only reads are made: nothing is submitted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from kotahub.adapters.catalog import Catalog
from kotahub.contract import Adapter, ComplaintQuery, ComplaintsAdapter, ComplaintsById
from kotahub.errors import ConfigError, KotaHubError, SourceError, SourceHTTPError
from kotahub.hub.runtime import start_runtime
from kotahub.hub.settings import Settings
from kotahub.records import GeoPoint
from kotahub.upstream.skips import SkippedRecords
from kotahub.upstream.source_status import SourceStatusRegistry
from kotahub.upstream.urls import public_url


@dataclass(frozen=True, slots=True)
class Finding:
    """One check: what was asked, whether the source conforms, and the fix when not."""

    check: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False  # it conforms, but something is worth the partner's attention

    def line(self) -> str:
        mark = ("WARN" if self.warn else "PASS") if self.ok else "FAIL"
        text = f"{mark}  {self.check}: {self.detail}"
        return f"{text}\n      fix: {self.fix}" if self.fix else text


Check = tuple[str, Callable[[], Awaitable[str]]]


async def check_source(
    adapter: Adapter, base_url: str, skipped: Callable[[], SkippedRecords] | None = None
) -> list[Finding]:
    """Every check of the adapter's domain, in order; one failing does not stop the rest.
    ``skipped`` tells what the answers held that the adapter could not use."""
    findings = [await _run("reachable (probe)", _probe(adapter), adapter, base_url)]
    for name, check in _domain_checks(adapter):
        findings.append(await _run(name, check(), adapter, base_url))
    if skipped is not None:
        findings.append(records_usable(skipped()))
    return findings


def records_usable(skipped: SkippedRecords) -> Finding:
    """Fails when the answers held records and none could be used; warns when some not."""
    check = "records usable"
    if not skipped.count:
        return Finding(check, True, f"all {skipped.total} records of the answers used")
    detail = f"{skipped.count} of {skipped.total} records left out; the first: "
    detail += skipped.first_reason or "no reason given"
    fix = hint_for(skipped.first_reason or "")
    return Finding(check, skipped.count < skipped.total, detail, fix, warn=True)


# What to change, by the reason the adapters give for leaving a record out.
HINTS = {
    "no name": "name the property that holds the name (options.properties.name for the "
    "geojson and json kinds)",
    "no position": "give coordinates, or map the properties that hold them; 0,0 and empty "
    "values count as none",
    "no id": "each record needs an id the source keeps (options.properties.id for geojson)",
    "no dimension": "map the dimension from the portal's groups, tags or organization "
    "(options.dimension_from for the ckan kind)",
    "not a facility": "list facilities, not kinds of place (FHIR Location.mode = instance)",
}


def hint_for(reason: str) -> str:
    key = reason.partition(":")[0].strip()
    return HINTS.get(
        key,
        "the first reason names the record and what it lacks; the "
        "adapter guide (docs/adapters.md) lists what each kind reads",
    )


async def _run(name: str, work: Awaitable[str], adapter: Adapter, base_url: str) -> Finding:
    try:
        return Finding(name, True, await work)
    except Nonconforming as exc:
        return Finding(name, False, str(exc), exc.fix)
    except SourceError as exc:
        return Finding(name, False, f"{exc.code}: {exc.detail}", fix_for(exc, adapter, base_url))
    except KotaHubError as exc:
        return Finding(name, False, f"{exc.code}: {exc}", "see the message")


class Nonconforming(Exception):
    """The source answered, but not as the contract needs."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def fix_for(error: SourceError, adapter: Adapter, base_url: str) -> str:
    """What to change, from how the source failed."""
    if isinstance(error, SourceHTTPError) and error.status in (401, 403):
        return "the source refused the credentials: check token, api_key or oauth"
    if isinstance(error, SourceHTTPError) and error.status == 404:
        return f"nothing answers there: check base_url ({base_url}) for a {adapter.kind} source"
    codes = {
        "UPSTREAM_TIMEOUT": "raise timeout_seconds, or check that the host answers at all",
        "UPSTREAM_UNAVAILABLE": f"the host cannot be reached: check base_url ({base_url})",
        "UPSTREAM_CIRCUIT_OPEN": "the source failed repeatedly just before; run again later",
        "UPSTREAM_BAD_PAYLOAD": f"the answer is not {adapter.kind}: check kind and base_url",
    }
    return codes.get(error.code, "see the message; the source's own logs may say more")


def _domain_checks(adapter: Adapter) -> list[Check]:
    catalog = Catalog((adapter,))
    checks: list[Check] = []
    for spots in catalog.tourism:
        checks.append(("tourist spots listed", partial(_places, spots.spots)))
    for health in catalog.health:
        checks.append(("health facilities listed", partial(_places, health.facilities)))
    for desk in catalog.complaints:
        checks.append(("complaint categories listed", partial(_categories, desk.categories)))
        listing = partial(desk.complaints, ComplaintQuery())
        checks.append(("complaints listed", partial(_counted, listing)))
        checks.append(("complaints found by id", partial(_found_by_id, desk)))
    for data in catalog.dimensions:
        checks.append(("programs listed", partial(_programs, data.programs)))
    return checks


async def _probe(adapter: Adapter) -> str:
    await adapter.probe()
    return "answered"


Listing = Callable[[], Awaitable[Sequence[Any]]]


async def _places(listing: Listing) -> str:
    places = await listing()
    _unique_ids(places)
    located = [p for p in places if isinstance(p.location, GeoPoint)]
    if places and not located:
        raise Nonconforming(
            f"{len(places)} places, none with a location",
            "give each place coordinates (GeoJSON geometry, FHIR Location.position); "
            "nearby, search near and districts need them",
        )
    return f"{len(places)} places, {len(located)} with a location"


async def _categories(listing: Listing) -> str:
    categories = await listing()
    if not categories:
        raise Nonconforming(
            "no categories", "the service list is empty: citizens could not file anything"
        )
    return f"{len(categories)} categories"


async def _counted(listing: Listing) -> str:
    items = await listing()
    _unique_ids(items)
    return f"{len(items)} complaints"


async def _found_by_id(desk: ComplaintsAdapter) -> str:
    """The first few complaints listed, asked for again by id: one by one, and all at once
    where the adapter can."""
    ids = [record.local_id for record in (await desk.complaints(ComplaintQuery()))[:3]]
    missing = [local_id for local_id in ids if await desk.complaint(local_id) is None]
    if missing:
        raise Nonconforming(
            f"complaint {missing[0]} is listed but not found by its id",
            "the source must answer a lookup of every id it lists (Open311: GET "
            "requests/{id}); complaint(trackingId) and node(id) look complaints up so",
        )
    if not isinstance(desk, ComplaintsById):
        return f"{len(ids)} found one by one (this adapter looks up no several at once)"
    found = {record.local_id for record in await desk.complaints_by_id(ids)}
    if found != set(ids):
        raise Nonconforming(
            f"{len(ids)} ids asked for at once, {len(found & set(ids))} of them found",
            "answer a lookup of several ids with each of them (Open311: GET requests with "
            "service_request_id=a,b,c); federation's _entities batches complaints so",
        )
    return f"{len(ids)} found one by one and in one call"


async def _programs(listing: Listing) -> str:
    programs = await listing()
    without = [p.slug for p in programs if not p.dimension]
    if without:
        raise Nonconforming(
            f"{len(without)} of {len(programs)} programs name no dimension ({without[0]}, …)",
            "tag each dataset with its smart-city dimension (see docs/api/dimensions.md "
            "in the documentation)",
        )
    return f"{len(programs)} programs"


def _unique_ids(items: Sequence[Any]) -> None:
    ids = [item.local_id for item in items]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise Nonconforming(
            f"ids appear more than once: {', '.join(repeated[:3])}",
            "each record needs its own id: the hub's global ids and node(id) depend on it",
        )


def _skipped_of(statuses: SourceStatusRegistry, name: str) -> SkippedRecords:
    return next(s.skipped for s in statuses.snapshot() if s.name == name)


async def check_configured(settings: Settings, name: str, out: TextIO) -> int:
    """Run the checks on the configured source ``name``; 0 when it conforms, else 1."""
    configured = {source.name: source for source in settings.sources}
    if name not in configured:
        known = ", ".join(sorted(configured)) or "none (the embedded reference upstreams)"
        raise ConfigError(f"no source is named {name!r}; configured sources: {known}")
    fresh = settings.model_copy(update={"upstream_cache": False, "delivery_worker": False})
    runtime = await start_runtime(fresh)
    try:
        adapter = runtime.catalog.named(name)
        assert adapter is not None  # every configured source has its adapter
        base_url = public_url(str(configured[name].base_url))
        print(f"{name} ({adapter.kind}, {adapter.domain}) at {base_url}", file=out)
        statuses = runtime.source_statuses
        findings = await check_source(adapter, base_url, partial(_skipped_of, statuses, name))
    finally:
        await runtime.aclose()
    for finding in findings:
        print(finding.line(), file=out)
    failed = sum(not finding.ok for finding in findings)
    warned = sum(finding.ok and finding.warn for finding in findings)
    warnings = f", {warned} with a warning" if warned else ""
    print(f"{len(findings) - failed} of {len(findings)} checks pass{warnings}", file=out)
    return 1 if failed else 0
