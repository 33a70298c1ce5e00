"""Indicators computed at query time from the city's own data in the other domains."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, timedelta

from kotahub.contract import ComplaintQuery
from kotahub.records import (
    HUB_SOURCE,
    ComplaintRecord,
    IndicatorPoint,
    IndicatorRecord,
    LocalizedText,
    Provenance,
)
from kotahub.resolvers.complaints import closed_on_time, is_overdue
from kotahub.resolvers.fan_out import from_every_source
from kotahub.resolvers.health import all_facilities
from kotahub.resolvers.opening_hours import open_now
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.positions import placed_in_city
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.smart_city import KECAMATAN
from kotahub.resolvers.tourism import all_spots

Breakdown = tuple[tuple[str, float], ...]
# The value, its parts, and the provenance of the oldest data it was computed from.
Measured = Partial[tuple[float, Breakdown, Provenance] | None]
# Complaints filed longer ago than this, by the hub's clock, are left out of the figures:
# a source that stopped in 2012 lists its "latest 90 days" from 2012.
COMPLAINTS_WINDOW = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class LiveIndicator:
    """What a live indicator is, how it is computed and from which domains."""

    code: str
    name: LocalizedText
    unit: str
    method: LocalizedText
    inputs: tuple[str, ...]
    measure: Callable[[RequestScope], Awaitable[Measured]]
    target: float | None = None

    async def compute(self, scope: RequestScope) -> Partial[IndicatorRecord | None]:
        measured = await self.measure(scope)
        if measured.value is None:
            return Partial(None, measured.failures)
        value, breakdown, inputs = measured.value
        moment = scope.now.astimezone(UTC)
        record = IndicatorRecord(
            code=self.code,
            name=self.name,
            unit=self.unit,
            provenance=Provenance(HUB_SOURCE, inputs.fetched_at, inputs.stale),
            points=(IndicatorPoint(moment.strftime("%Y-%m-%dT%H:%MZ"), value),),
            target=self.target,
            method=self.method,
            inputs=self.inputs,
            breakdown=breakdown,
        )
        return Partial(record, measured.failures)


async def _closed_on_time(scope: RequestScope) -> Measured:
    # The source's default span (GeoReport: its latest 90 days) is one cached call shared
    # with the complaints list; the window is then applied here, by the hub's clock.
    keys = [(a.source, ComplaintQuery()) for a in scope.catalog.complaints]
    found = await from_every_source(scope.loaders.complaints, keys)
    recent = [c for c in found.value if _filed_recently(scope, c)]
    # Closed complaints count as on time or late; open ones already past their deadline
    # count as late, so that leaving complaints open never improves the figure.
    judged = [(c, False if is_overdue(scope, c) else closed_on_time(scope, c)) for c in recent]
    known = [(c, j) for c, j in judged if j is not None]
    if not known:
        return Partial(None, found.failures)
    on_time = sum(j for _, j in known)
    breakdown = (
        ("tepat waktu / on time", float(on_time)),
        ("terlambat / late", float(len(known) - on_time)),
    )
    value = round(100 * on_time / len(known), 1)
    return Partial((value, breakdown, _oldest(c.provenance for c, _ in known)), found.failures)


def _filed_recently(scope: RequestScope, complaint: ComplaintRecord) -> bool:
    """Filed within the window up to now and, where it has a position, in the city."""
    filed = complaint.requested_at
    if filed is None or not scope.now - COMPLAINTS_WINDOW <= filed <= scope.now:
        return False
    return placed_in_city(scope.complaint_rules.bounds, complaint.location)


async def _e_tickets(scope: RequestScope) -> Measured:
    found = await all_spots(scope)
    spots = [s for s in found.value if placed_in_city(scope.complaint_rules.bounds, s.location)]
    if not spots:
        return Partial(None, found.failures)
    tickets = sum(1 for spot in spots if spot.e_ticket_url)
    open_count = sum(1 for spot in spots if open_now(scope, spot.opening_hours))
    breakdown = (
        ("dengan e-tiket / with e-tickets", float(tickets)),
        ("buka sekarang / open now", float(open_count)),
        ("semua / all", float(len(spots))),
    )
    value = round(100 * tickets / len(spots), 1)
    return Partial((value, breakdown, _oldest(s.provenance for s in spots)), found.failures)


async def _puskesmas(scope: RequestScope) -> Measured:
    found = await all_facilities(scope)
    bounds = scope.complaint_rules.bounds
    puskesmas = [
        f
        for f in found.value
        if f.facility_type == "puskesmas" and placed_in_city(bounds, f.location)
    ]
    if not puskesmas:
        return Partial(None, found.failures)
    counts = Counter(f.district for f in puskesmas if f.district in KECAMATAN)
    breakdown = tuple((district, float(counts[district])) for district in KECAMATAN)
    value = round(sum(counts.values()) / len(KECAMATAN), 2)
    return Partial((value, breakdown, _oldest(f.provenance for f in puskesmas)), found.failures)


def _oldest(provenances: Iterable[Provenance]) -> Provenance:
    """When the oldest input was fetched, and whether any input was stale."""
    seen = list(provenances)
    oldest = min(seen, key=lambda p: p.fetched_at)
    return Provenance(HUB_SOURCE, oldest.fetched_at, any(p.stale for p in seen))


LIVE_INDICATORS: dict[str, tuple[LiveIndicator, ...]] = {
    "governance": (
        LiveIndicator(
            "pengaduan-tepat-waktu",
            LocalizedText("Pengaduan selesai tepat waktu", "Complaints closed on time"),
            "%",
            LocalizedText(
                "Dari pengaduan yang masuk dalam 90 hari terakhir menurut jam hub dan sudah "
                "ditutup atau melewati tenggat (waktu yang diharapkan, atau standar layanan), "
                "bagian yang ditutup sebelum tenggat; yang masih terbuka setelah tenggat "
                "dihitung terlambat. Pengaduan yang lebih lama, tanpa tanggal masuk, atau "
                "berlokasi di luar batas kota (city_bounds) tidak dihitung.",
                "Of the complaints filed in the last 90 days by the hub's clock that are closed "
                "or past their deadline (the expected time, or the service level), the share "
                "closed by it; those still open past it count as late. Complaints filed "
                "earlier, without a filing date, or placed outside the city's bounds "
                "(city_bounds) are left out.",
            ),
            ("complaints",),
            _closed_on_time,
            target=90.0,
        ),
    ),
    "branding": (
        LiveIndicator(
            "wisata-e-tiket",
            LocalizedText("Objek wisata dengan e-tiket", "Attractions with e-ticketing"),
            "%",
            LocalizedText(
                "Objek wisata yang menjual tiket daring dibagi semua objek wisata; rinciannya "
                "juga menghitung yang buka saat ini (WITA). Objek yang berlokasi di luar batas "
                "kota (city_bounds) tidak dihitung; yang tanpa lokasi dihitung.",
                "Attractions selling tickets online, as a share of all; the breakdown also counts "
                "those open right now (WITA). Attractions placed outside the city's bounds "
                "(city_bounds) are left out; those without a position count.",
            ),
            ("tourism",),
            _e_tickets,
        ),
    ),
    "living": (
        LiveIndicator(
            "puskesmas-per-kecamatan",
            LocalizedText("Puskesmas per kecamatan", "Puskesmas per district"),
            "puskesmas",
            LocalizedText(
                "Puskesmas yang beroperasi di tiap kecamatan; nilainya rata-rata enam "
                "kecamatan. Puskesmas yang berlokasi di luar batas kota (city_bounds) tidak "
                "dihitung.",
                "Operating puskesmas in each kecamatan; the value is the mean over the six. "
                "Puskesmas placed outside the city's bounds (city_bounds) are left out.",
            ),
            ("health",),
            _puskesmas,
        ),
    ),
}
