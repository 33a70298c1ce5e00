"""The live benchmark's figures: latencies by round and subscriber, memory, watcher calls."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from bench.live_setup import DELIVERED, REFUSED, SUBSCRIPTIONS, WATCH_CALLS, WATCH_ROUNDS
from bench.loadgen import percentile


@dataclass
class Round:
    """One change at the source: when it was made, and when the source was next polled."""

    number: int
    changed_at: float
    complete: bool
    rss_mb: list[float]  # each replica's, once every subscriber heard the change
    polled_at: float | None = None


@dataclass
class LiveReport:
    """Everything one run measured (times are wall-clock seconds unless named _ms)."""

    settings: dict[str, Any]
    machine: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0
    ready: dict[str, Any] = field(default_factory=dict)
    rss_before: list[float] = field(default_factory=list)
    rss_connected: list[float] = field(default_factory=list)
    rss_after: list[float] = field(default_factory=list)
    metrics_connected: list[dict[str, float]] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    window: dict[str, Any] = field(default_factory=dict)
    heard: list[dict[str, Any]] = field(default_factory=list)
    published_ms: dict[int, int] = field(default_factory=dict)

    @property
    def poll_s(self) -> float:
        return float(self.settings["poll_seconds"])

    def latencies(self, number: int, **where: Any) -> list[float]:
        """Seconds from round ``number``'s change to each subscriber's event (those chosen
        by transport or hub in ``where``) that heard it."""
        changed_at = self.rounds[number - 1].changed_at
        chosen = [s for s in self.heard if all(s[k] == v for k, v in where.items())]
        return [s["heard"][str(number)] - changed_at for s in chosen if str(number) in s["heard"]]

    def each(self, **where: Any) -> list[float]:
        return [x for r in self.rounds for x in self.latencies(r.number, **where)]

    def last_per_round(self) -> list[float]:
        return [max(found) for r in self.rounds if (found := self.latencies(r.number))]

    def first_per_round(self) -> list[float]:
        return [min(found) for r in self.rounds if (found := self.latencies(r.number))]

    def to_poll(self) -> list[float]:
        return [r.polled_at - r.changed_at for r in self.rounds if r.polled_at is not None]

    def to_published(self) -> list[float]:
        return [
            self.published_ms[r.number] / 1000 - r.changed_at
            for r in self.rounds
            if r.number in self.published_ms
        ]

    def published_to(self, ends: str) -> list[float]:
        """From the stream entry to the first (``ends="first"``) or last subscriber's event."""
        pick = min if ends == "first" else max
        spans = []
        for r in self.rounds:
            found = self.latencies(r.number)
            if found and r.number in self.published_ms:
                published = self.published_ms[r.number] / 1000 - r.changed_at
                spans.append(pick(found) - published)
        return spans

    def missing(self) -> int:
        return sum(1 for s in self.heard for r in self.rounds if str(r.number) not in s["heard"])

    def delta(self, name: str) -> list[float]:
        """A counter's rise over the measured window, on each replica."""
        before, after = self.window["metrics_before"], self.window["metrics_after"]
        return [b[name] - a[name] for a, b in zip(before, after, strict=True)]

    def intervals(self) -> float:
        return float(self.window["seconds"]) / self.poll_s

    def summary(self) -> dict[str, Any]:
        """The headline figures, for the JSON file."""
        return {
            "last_subscriber_ms": _p(self.last_per_round()),
            "each_subscriber_ms": _p(self.each()),
            "websocket_ms": _p(self.each(transport="websocket")),
            "sse_ms": _p(self.each(transport="sse")),
            "to_poll_ms": _p(self.to_poll()),
            "to_published_ms": _p(self.to_published()),
            "published_to_first_ms": _p(self.published_to("first")),
            "published_to_last_ms": _p(self.published_to("last")),
            "kb_per_subscriber": self.kb_per_subscriber(),
            "kb_per_subscriber_per_change": self.kb_per_change(),
            "poll_gap_ms": _p(self.poll_gaps()),
            "source_gets_per_interval": self.window["source_gets"] / self.intervals(),
            "watch_calls_per_interval": sum(self.delta(WATCH_CALLS)) / self.intervals(),
            "missing_events": self.missing(),
            "extra_events": sum(s["extra"] for s in self.heard),
            "errors": sum(1 for s in self.heard if s["error"]),
        }

    def subscribers_on(self, hub: int) -> int:
        return sum(1 for s in self.heard if s["hub"] == hub)

    def kb_per_change(self) -> list[float]:
        """Each replica's RSS growth per subscriber per change, from the first change heard
        to the last."""
        if len(self.rounds) < 2:
            return []
        first, last = self.rounds[0].rss_mb, self.rounds[-1].rss_mb
        changes = len(self.rounds) - 1
        return [
            (after - before) * 1000 / max(1, self.subscribers_on(hub)) / changes
            for hub, (before, after) in enumerate(zip(first, last, strict=True))
        ]

    def poll_gaps(self) -> list[float]:
        """Seconds between the watcher's consecutive calls to the source in the window."""
        polls = self.window["polls"]
        return [later - earlier for earlier, later in pairwise(polls)]

    def kb_per_subscriber(self) -> list[float]:
        return [
            (after - before) * 1000 / max(1, self.subscribers_on(hub))
            for hub, (before, after) in enumerate(
                zip(self.rss_before, self.rss_connected, strict=True)
            )
        ]


def _p(values: list[float]) -> dict[str, float]:
    """p50, p99 and max of seconds, in ms (nearest rank)."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": 1000 * percentile(values, 50),
        "p99": 1000 * percentile(values, 99),
        "max": 1000 * max(values),
        "mean": 1000 * statistics.fmean(values),
    }


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def latency_rows(report: LiveReport) -> list[str]:
    """The latency table: each span's p50, p99, max, and p50 against the polling interval."""
    poll_ms = 1000 * report.poll_s
    spans = [
        ("change → last subscriber's event, a value a round", report.last_per_round()),
        ("change → first subscriber's event, a value a round", report.first_per_round()),
        ("change → each subscriber's event", report.each()),
        ("… over WebSocket", report.each(transport="websocket")),
        ("… over SSE", report.each(transport="sse")),
        ("… on replica 1", report.each(hub=0)),
        ("… on replica 2", report.each(hub=1)),
        ("change → the watcher's next poll reaches the source", report.to_poll()),
        ("change → event published (its Redis stream entry)", report.to_published()),
        ("published → first subscriber's event", report.published_to("first")),
        ("published → last subscriber's event", report.published_to("last")),
    ]
    rows = ["| | n | p50 ms | p99 ms | max ms | p50 / interval |", "|---|---:|---:|---:|---:|---:|"]
    for label, values in spans:
        p = _p(values)
        if not p["n"]:
            rows.append(f"| {label} | 0 | | | | |")
            continue
        ratio = p["p50"] / poll_ms
        rows.append(
            f"| {label} | {p['n']:,.0f} | {_ms(p['p50'])} | {_ms(p['p99'])} | {_ms(p['max'])} "
            f"| {ratio:.2f}x |"
        )
    return rows


def memory_rows(report: LiveReport) -> list[str]:
    rows = ["| | replica 1 | replica 2 |", "|---|---:|---:|"]

    def row(label: str, values: list[str]) -> None:
        rows.append(f"| {label} | " + " | ".join(values) + " |")

    per_hub = [_transports_on(report, hub) for hub in (0, 1)]
    row("subscribers (WebSocket + SSE)", per_hub)
    row("RSS before any subscriber", [f"{v:.1f} MB" for v in report.rss_before])
    row("RSS with its subscribers connected", [f"{v:.1f} MB" for v in report.rss_connected])
    row("per subscriber", [f"{v:.1f} KB" for v in report.kb_per_subscriber()])
    if report.rounds:
        row("RSS once the first change was heard", [f"{v:.1f} MB" for v in report.rounds[0].rss_mb])
    row(f"RSS after the {len(report.rounds)} changes", [f"{v:.1f} MB" for v in report.rss_after])
    row("growth per subscriber per change", [f"{v:.2f} KB" for v in report.kb_per_change()])
    active = [f"{m[SUBSCRIPTIONS]:.0f}" for m in report.metrics_connected]
    row("`kotahub_subscriptions_active{field=complaintUpdated}`", active)
    return rows


def _transports_on(report: LiveReport, hub: int) -> str:
    sockets = sum(1 for s in report.heard if s["hub"] == hub and s["transport"] == "websocket")
    streams = sum(1 for s in report.heard if s["hub"] == hub and s["transport"] == "sse")
    return f"{sockets + streams} ({sockets} + {streams})"


def watcher_rows(report: LiveReport) -> list[str]:
    intervals = report.intervals()
    gets = report.window["source_gets"]
    calls = report.delta(WATCH_CALLS)
    led = report.delta(WATCH_ROUNDS)
    delivered = report.delta(DELIVERED)
    expected = len(report.heard) * len(report.rounds)
    poll_ms = 1000 * report.poll_s
    rows = ["| | count | per interval |", "|---|---:|---:|"]
    rows.append(f"| intervals of {report.poll_s:g} s in the window | {intervals:.1f} | |")
    rows.append(
        f"| GET /requests… at the source (its request log) | {gets} | {gets / intervals:.2f} |"
    )
    rows.append(
        f"| `kotahub_live_watch_calls_total{{source=complaints}}`, replica 1 + 2 | "
        f"{calls[0]:.0f} + {calls[1]:.0f} | {sum(calls) / intervals:.2f} |"
    )
    rows.append(
        f"| `kotahub_live_watch_rounds_total`, replica 1 + 2 | {led[0]:.0f} + {led[1]:.0f} | "
        f"{sum(led) / intervals:.2f} |"
    )
    gaps = _p(report.poll_gaps())
    if gaps["n"]:
        rows.append(
            f"| time between the watcher's calls to the source: p50, max | "
            f"{_ms(gaps['p50'])} ms, {_ms(gaps['max'])} ms | {gaps['p50'] / poll_ms:.2f}x, "
            f"{gaps['max'] / poll_ms:.2f}x |"
        )
    rows.append(
        f"| `kotahub_live_events_delivered_total`, replica 1 + 2 | {delivered[0]:.0f} + "
        f"{delivered[1]:.0f} | ({sum(delivered) / expected:.2f}x subscribers x changes) |"
    )
    return rows


def oddities(report: LiveReport) -> list[str]:
    """What a reader should know went wrong, if anything did."""
    found = []
    summary = report.summary()
    if summary["missing_events"]:
        found.append(f"{summary['missing_events']} subscriber events never arrived")
    if summary["extra_events"]:
        found.append(f"{summary['extra_events']} events arrived that were no change's")
    if summary["errors"]:
        errors = {s["error"] for s in report.heard if s["error"]}
        found.append(f"{summary['errors']} subscribers failed: {sorted(errors)[:3]}")
    refused = sum(m[REFUSED] for m in report.window["metrics_after"])
    if refused:
        found.append(f"the replicas refused {refused:.0f} connections or subscriptions")
    incomplete = [r.number for r in report.rounds if not r.complete]
    if incomplete:
        found.append(f"rounds {incomplete} were not heard by everyone within the wait")
    return found or ["none: every subscriber heard every change once, no errors, no refusals"]


def markdown(report: LiveReport) -> str:
    s, m, ready = report.settings, report.machine, report.ready
    n = s["websocket"] + s["sse"]
    lines = [
        f"# Live updates: {n:,} followers of one complaint on two replicas",
        "",
        f"Measured {m.get('date')} on commit {m.get('code')} by `python -m bench.subscribers` "
        f"(also the last step of `make bench`), which took {report.elapsed_s:.0f} s.",
        "",
        f"- Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('os')}; Python "
        f"{m.get('python')}; Redis {m.get('redis')}; load average {m.get('load_average')} as "
        f"the run started; open files limit {m.get('open_files')}.",
        f"- Two `kotahub serve` replicas, each its own process, on one Redis; "
        f"`KOTAHUB_LIVE_POLL_SECONDS={s['poll_seconds']:g}`; the complaints source is the "
        f"reference Open311 server (`create_open311_app`, uvicorn in a thread of the "
        f"benchmark) with `ttl_seconds = {s['ttl_seconds']:g}`.",
        f"- Raised for the run, as every subscriber comes from 127.0.0.1: "
        f"`KOTAHUB_LIVE_MAX_PER_CLIENT`, `KOTAHUB_LIVE_MAX_CONNECTIONS_PER_CLIENT` and "
        f"`KOTAHUB_LIVE_MAX_CONNECTIONS` to {max(2 * n, 1000):,} a replica, "
        f"`KOTAHUB_MAX_CONNECTIONS` to {max(2 * n, 1000) + 1000:,}, and the anonymous rate "
        f"limit (which counts each subscribe) out of reach.",
        f'- {n:,} subscribers to `complaintUpdated(trackingId: "{s["tracking_id"]}")` in one '
        f"process of their own (`bench/live_clients.py`): {s['websocket']} over WebSocket "
        f"(graphql-transport-ws, one connection each) and {s['sse']} over SSE, each half on "
        f"either replica. All {ready.get('subscribed')} had their first event "
        f"{ready.get('seconds'):.1f} s after the first connected (at most 50 connecting at "
        f"once); the source was asked {ready.get('source_gets')} times meanwhile.",
        f"- Then {s['rounds']} changes at the source (`store.set_status`, closed and open in "
        f"turn, new notes each time), each after a pause of a random part of the interval, "
        f"so that changes fall anywhere within it, and each once the previous one was heard "
        f"by every subscriber. Times are the wall clock of one machine: the change's after "
        f"its commit, each event's as the subscribers' process read it, the poll's as the "
        f"source received it, the publication's from its entry id in the `{{prefix}}:events` "
        f"stream (milliseconds, Redis' clock).",
        "",
        "## From a change at the source to each subscriber",
        "",
        *latency_rows(report),
        "",
        f"A change waits for the watcher's next poll: half an interval on average, up to one "
        f"({1000 * report.poll_s:.0f} ms); then the watcher reads the complaint and publishes. "
        f'"a value a round" rows have {len(report.rounds)} values, so their p99 is their '
        f"maximum. The subscribers' process reads 1,000 sockets on the same two cores as both "
        f"replicas, so the spread from first to last subscriber includes its own reading.",
        "",
        "## Memory",
        "",
        *memory_rows(report),
        "",
        "Per subscriber: RSS with the subscribers connected minus RSS before any (after one "
        "subscriber of each transport came and went on each replica), divided by the "
        "replica's subscribers. Growth per change: RSS once the last change was heard minus "
        "once the first was, per subscriber and change; memory that stays with each event "
        "delivered (each event executes with a memo of its own: kotahub/schema/event_memo.py). "
        "RSS is MB of 10^6 bytes, from /proc/<pid>/status.",
        "",
        "## The watcher's calls to the source",
        "",
        *watcher_rows(report),
        "",
        f"Over the measured window ({report.window['seconds']:.1f} s, from just before the "
        f"first change to the last change heard by all). At most one call per interval is "
        f"expected however many follow: each replica renews its followers' leases every "
        f"interval and whichever takes the interval's lock leads the round. Intervals are "
        f"counted from the epoch alike on both replicas, so rounds keep their cadence "
        f"whichever replica leads them, and each round asks the source again (its last "
        f"answer is an interval old).",
        "",
        "## Oddities",
        "",
        *[f"- {line}" for line in oddities(report)],
        "",
    ]
    return "\n".join(lines)


def write(report: LiveReport, output: Path) -> None:
    """subscribers.md and subscribers.json in ``output``; the tables printed."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "subscribers.md").write_text(markdown(report), encoding="utf-8")
    raw = asdict(report) | {"summary": report.summary()}
    raw.pop("heard")  # a thousand subscribers' times: the summary and rounds say enough
    raw["rounds_detail"] = [_round_detail(report, r) for r in report.rounds]
    (output / "subscribers.json").write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    print("\n".join(latency_rows(report)))
    print()
    print("\n".join(memory_rows(report)))
    print()
    print("\n".join(watcher_rows(report)))
    print("\n".join(oddities(report)))


def _round_detail(report: LiveReport, measured: Round) -> dict[str, Any]:
    found = report.latencies(measured.number)
    published = report.published_ms.get(measured.number)
    return {
        "round": measured.number,
        "heard": len(found),
        "to_poll_ms": _opt_ms(measured.polled_at, measured.changed_at),
        "to_published_ms": round(published - 1000 * measured.changed_at, 1) if published else None,
        "first_ms": round(1000 * min(found), 1) if found else None,
        "p50_ms": round(1000 * percentile(found, 50), 1) if found else None,
        "last_ms": round(1000 * max(found), 1) if found else None,
    }


def _opt_ms(at: float | None, since: float) -> float | None:
    return round(1000 * (at - since), 1) if at is not None else None
