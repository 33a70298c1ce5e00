"""The skip ledger: counted once per fetched page, summed once per set of records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kotahub.observability.metrics import HubMetrics
from kotahub.upstream.skips import Skip, SkipLedger

AT = datetime(2026, 12, 7, tzinfo=UTC)
SKIPS = [Skip("no id", "request 2: no service_request_id")]


def _ledger() -> tuple[SkipLedger, HubMetrics]:
    metrics = HubMetrics()
    return SkipLedger("desk", metrics.records_skipped), metrics


def _counted(metrics: HubMetrics) -> float:
    value = metrics.registry.get_sample_value(
        "kotahub_upstream_records_skipped_total", {"source": "desk", "reason": "no id"}
    )
    return value or 0.0


def test_a_page_read_again_is_not_counted_again() -> None:
    ledger, metrics = _ledger()
    for _ in range(3):
        ledger.report("http://desk/requests.json", AT, SKIPS, 3)
    assert (ledger.summary().count, ledger.summary().total, _counted(metrics)) == (1, 3, 1)


def test_the_same_records_at_a_moving_address_are_summed_once() -> None:
    ledger, metrics = _ledger()
    for minute in range(5):  # a dashboard polling with a new end_date each minute
        url = f"http://desk/requests.json?end_date=2026-12-07T00:0{minute}:00Z"
        ledger.report(url, AT + timedelta(minutes=minute), SKIPS, 3)
    assert (ledger.summary().count, ledger.summary().total) == (1, 3)
    assert _counted(metrics) == 5  # the metric counts each fetched page, as it says


def test_different_pages_are_summed_and_kept_ones_told_apart() -> None:
    ledger, _ = _ledger()
    ledger.report("http://desk/p1", AT, SKIPS, 3)
    ledger.report("http://desk/p2", AT, [Skip("no definition", "service 7", kept=True)], 2)
    summary = ledger.summary()
    assert (summary.count, summary.incomplete, summary.total) == (1, 1, 5)
    assert summary.first_reason == "no definition: service 7"
