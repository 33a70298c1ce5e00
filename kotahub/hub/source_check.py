"""``kotahub check-source NAME``: the adapter contract, run against a live upstream.

Each check calls the source as the hub would (bypassing the cache) and says whether it
conforms; a failure comes with what to fix. Only reads are made: nothing is submitted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from kotahub.adapters.catalog import Catalog
from kotahub.contract import (
    Adapter,
    ComplaintQuery,
    ComplaintsAdapter,
    ComplaintsById,
    DimensionsAdapter,
)
from kotahub.errors import ConfigError, KotaHubError, SourceError, SourceHTTPError
from kotahub.hub.runtime import start_runtime
from kotahub.hub.settings import Settings
from kotahub.records import GeoPoint
from kotahub.resolvers.positions import SWAPPED, location_doubt
from kotahub.resolvers.scope import CityBounds
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
    adapter: Adapter,
    base_url: str,
    skipped: Callable[[], SkippedRecords] | None = None,
    bounds: CityBounds | None = None,
) -> list[Finding]:
    """Every check of the adapter's domain, in order; one failing does not stop the rest.
    ``skipped`` tells what the answers held that the adapter could not use; ``bounds`` is
    the city's box, which the positions listed should lie in."""
    findings = [await _run("reachable (probe)", _probe(adapter), adapter, base_url)]
    listed: list[Any] = []
    for name, check in _domain_checks(adapter, listed, skipped):
        findings.append(await _run(name, check(), adapter, base_url))
    located = [item for item in listed if isinstance(item.location, GeoPoint)]
    if bounds is not None and located:
        findings.append(positions_in_city(located, bounds))
    if skipped is not None:
        findings.append(records_usable(skipped()))
    return findings


def records_usable(skipped: SkippedRecords) -> Finding:
    """Fails when the answers held records and none could be used; warns when some were
    left out, or listed without a part that could not be read."""
    check = "records usable"
    if not skipped.count and not skipped.incomplete:
        return Finding(check, True, f"all {skipped.total} records of the answers used")
    detail = f"{skipped.count} of {skipped.total} records left out"
    if skipped.incomplete:
        detail += f", {skipped.incomplete} listed incomplete"
    detail += f"; the first: {skipped.first_reason or 'no reason given'}"
    fix = hint_for(skipped.first_reason or "")
    return Finding(check, skipped.count < skipped.total, detail, fix, warn=True)


def positions_in_city(located: Sequence[Any], bounds: CityBounds) -> Finding:
    """Warns when positions lie outside the city's bounds, naming a likely lat/lon swap."""
    box = f"city_bounds ({bounds.min_lon}, {bounds.min_lat}, {bounds.max_lon}, {bounds.max_lat})"
    doubted = [(item, location_doubt(bounds, item.location)) for item in located]
    outside = [(item, doubt) for item, doubt in doubted if doubt]
    if not outside:
        return Finding(POSITIONS, True, f"all {len(located)} positions within {box}")
    swapped = sum(doubt == SWAPPED for _, doubt in outside)
    first, doubt = outside[0]
    detail = f"{len(outside)} of {len(located)} positions outside {box}"
    detail += f", {swapped} of them with latitude and longitude swapped" if swapped else ""
    detail += f"; the first: {_named(first)} at lat {first.location.lat}, "
    detail += f"lon {first.location.lon} ({doubt})"
    return Finding(POSITIONS, True, detail, SWAP_FIX if swapped else OUTSIDE_FIX, warn=True)


POSITIONS = "positions in the city"
SWAP_FIX = (
    "the source gives latitude for longitude: GeoJSON coordinates are [longitude, latitude], "
    "while FHIR position and Open311 name them (latitude/longitude, lat/long)"
)
OUTSIDE_FIX = (
    "the source lists places outside the city: check their coordinates, or set city_bounds "
    "(west, south, east, north) to the city's box"
)


def _named(item: Any) -> str:
    name = getattr(item, "name", None)
    return f"{item.local_id} ({name})" if name and name != item.local_id else str(item.local_id)


# What to change, by the reason the adapters give for leaving a record out.
HINTS = {
    "no name": "name the property that holds the name (options.properties.name for the "
    "geojson kind, options.fields.name for json)",
    "no position": "give coordinates, or map the properties that hold them; 0,0 and empty "
    "values count as none",
    "no id": "each record needs an id the source keeps (options.properties.id for geojson, "
    "options.fields.id for json; for the ckan kind's DataStore, name the program, indicator "
    "and period columns in options.columns)",
    "no dimension": "map the dimension from the portal's groups, tags or organization "
    "(options.dimension_from for the ckan kind), or narrow package_search to the programs "
    "with options.fq",
    "no value": "name the DataStore column that holds the figure (options.columns.value for "
    "the ckan kind); empty cells and '-' count as no value",
    "no definition": "the server lists the service with metadata: true but has no definition "
    "at services/{code}.json: publish it, or list the service with metadata: false; "
    "meanwhile the category is offered without questions",
    "not a facility": "list facilities, not kinds of place (FHIR Location.mode = instance)",
    "inactive": "the source marks these closed (Location.status inactive or suspended, an "
    "Organization not active, or part of such a Location); nothing to fix unless they are open",
    "more not sent": "the server stops at the layer's maxRecordCount: raise it, or point "
    "base_url at the layer's OGC API - Features items, whose pages link the next one",
    "bad value": "the first reason names the field; FHIR hours need daysOfWeek mon..sun and "
    "hh:mm:ss times, an end after the start; a position off the globe most often has its "
    "latitude and longitude swapped",
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
    except Caution as exc:
        return Finding(name, True, str(exc), exc.fix, warn=True)
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


class Caution(Nonconforming):
    """The source conforms, but what it answered is worth the partner's attention."""


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
    if "plain http while the source is reached over https" in error.detail:
        return "have the server write its links with https, as the message says"
    if "leaves the source's origin" in error.detail:
        return (
            "if that origin serves this source (a proxy's public name, a CDN), list it in "
            "the source's extra_origins"
        )
    return codes.get(error.code, "see the message; the source's own logs may say more")


def _domain_checks(
    adapter: Adapter, listed: list[Any], skipped: Skipped | None = None
) -> list[Check]:
    """The checks of the adapter's domain; what their listings list is kept in ``listed``,
    and a listing of nothing where ``skipped`` grew fails (see ``_told``)."""
    catalog = Catalog((adapter,))
    checks: list[Check] = []
    for spots in catalog.tourism:
        listing = _told(_kept(spots.spots, listed), skipped)
        checks.append(("tourist spots listed", partial(_places, listing)))
    for health in catalog.health:
        facilities = _told(_kept(health.facilities, listed), skipped)
        checks.append(("health facilities listed", partial(_places, facilities)))
    for desk in catalog.complaints:
        checks.append(("complaint categories listed", partial(_categories, desk.categories)))
        listing = _told(_kept(partial(desk.complaints, ComplaintQuery()), listed), skipped)
        checks.append(("complaints listed", partial(_counted, listing)))
        checks.append(("complaints found by id", partial(_found_by_id, desk)))
    for data in catalog.dimensions:
        checks.append(("programs listed", partial(_programs, _told(data.programs, skipped))))
        checks.append(("indicators read", partial(_indicators, data, skipped)))
    return checks


async def _probe(adapter: Adapter) -> str:
    await adapter.probe()
    return "answered"


Listing = Callable[[], Awaitable[Sequence[Any]]]
Skipped = Callable[[], SkippedRecords]


def _told(listing: Listing, skipped: Skipped | None) -> Listing:
    """The listing; Nonconforming when it lists nothing while the answers it read left
    records out: items exist, but no record results. (check-source reads each answer
    fresh, so what a listing leaves out is what ``skipped`` grows by while it runs.)"""
    if skipped is None:
        return listing

    async def told() -> Sequence[Any]:
        before = skipped()
        items = await listing()
        if not items:
            _none_usable(before, skipped())
        return items

    return told


def _none_usable(before: SkippedRecords, after: SkippedRecords) -> None:
    left_out = after.count - before.count
    if left_out > 0:
        raise Nonconforming(
            f"nothing listed: {left_out} records of the answers left out; "
            f"the first: {after.first_reason or 'no reason given'}",
            hint_for(after.first_reason or ""),
        )


def _kept(listing: Listing, into: list[Any]) -> Listing:
    """The listing, keeping what it lists for the checks made after it."""

    async def kept() -> Sequence[Any]:
        items = await listing()
        into.extend(items)
        return items

    return kept


async def _places(listing: Listing) -> str:
    places = await listing()
    located = [p for p in places if isinstance(p.location, GeoPoint)]
    if places and not located:
        raise Nonconforming(
            f"{len(places)} places, none with a location",
            "give each place coordinates (GeoJSON geometry, FHIR Location.position); "
            "nearby, search near and districts need them",
        )
    return _unique_ids(places, f"{len(places)} places, {len(located)} with a location")


async def _categories(listing: Listing) -> str:
    categories = await listing()
    if not categories:
        raise Nonconforming(
            "no categories", "the service list is empty: citizens could not file anything"
        )
    return f"{len(categories)} categories"


async def _counted(listing: Listing) -> str:
    items = await listing()
    return _unique_ids(items, f"{len(items)} complaints")


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


TABLES_READ = 3  # DataStore tables whose indicators the check reads


async def _indicators(data: DimensionsAdapter, skipped: Skipped | None = None) -> str:
    """The indicators of the first few programs' tables, so their rows are counted too;
    Nonconforming when the tables' rows were all left out."""
    programs = await data.programs()
    named = (p.indicator_resource for p in programs)
    tables = [table for table in dict.fromkeys(named) if table][:TABLES_READ]
    if not tables:
        return "no program names an indicator table"
    before = skipped() if skipped is not None else None
    found = [await data.indicators(table) for table in tables]
    count = sum(len(series) for by_program in found for series in by_program.values())
    if not count and before is not None and skipped is not None:
        _none_usable(before, skipped())
    _of_listed_programs([p.slug for p in programs], [p for by in found for p in by])
    return f"{count} indicators in {len(tables)} table(s)"


def _of_listed_programs(slugs: Sequence[str], named: Sequence[str]) -> None:
    """Nonconforming when the rows read name programs, but none that is listed: each
    program shows the rows that name it by its dataset's name, so none would show any."""
    if not named or set(named) & set(slugs):
        return
    raise Nonconforming(
        f"the rows name programs {', '.join(repr(n) for n in named[:3])}, none of them a "
        f"listed program ({', '.join(slugs[:3])}{', …' if len(slugs) > 3 else ''})",
        "write each row's program as its dataset's name (the last part of its URL), or "
        "name the column that holds it in options.columns.program",
    )


def _unique_ids(items: Sequence[Any], detail: str) -> str:
    """``detail``; a Caution naming the ids that more than one record has."""
    counts = Counter(str(item.local_id) for item in items)
    repeated = sorted(local_id for local_id, count in counts.items() if count > 1)
    if not repeated:
        return detail
    shown = ", ".join(repeated[:3]) + (", …" if len(repeated) > 3 else "")
    raise Caution(
        f"{detail}; {len(repeated)} ids given to more than one record: {shown}",
        "give each record an id of its own: the hub lists records that share an id as the "
        "id and a hash of their content (3~5f2a9c1e), which changes whenever the record "
        "does, and node(id) loses it then; records repeated alike are listed once",
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
        skipped = partial(_skipped_of, statuses, name)
        bounds = runtime.complaint_rules.bounds
        findings = await check_source(adapter, base_url, skipped, bounds)
    finally:
        await runtime.aclose()
    for finding in findings:
        print(finding.line(), file=out)
    failed = sum(not finding.ok for finding in findings)
    warned = sum(finding.ok and finding.warn for finding in findings)
    warnings = f", {warned} with a warning" if warned else ""
    print(f"{len(findings) - failed} of {len(findings)} checks pass{warnings}", file=out)
    return 1 if failed else 0
