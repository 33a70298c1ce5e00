"""bench/results/landing.md and the tables printed at the end of a run."""

from __future__ import annotations

from bench.cold_check import ColdCheck
from bench.measure import Result
from bench.report import Report, Target, number

CONFIGURATIONS = """\
1. **bare Starlette route**: `bench/bare_route.py` under uvicorn, answering every POST with
   the very bytes the hub answered for the query. The limit of this stack on this machine.
2. **hub, whole-response cache hit**: `kotahub serve` with both caches on, warmed by one
   query; every measured query is answered from the whole-response cache, without GraphQL.
3. **hub, upstream cache warm**: `KOTAHUB_RESPONSE_CACHE=false`, warmed by one query; every
   query runs GraphQL, its resolvers reading the upstream answers from the hub's cache.
4. **hub, caches cold**: `KOTAHUB_RESPONSE_CACHE=false` and `KOTAHUB_UPSTREAM_CACHE=false`;
   every query goes upstream, with only per-request DataLoaders and in-process single-flight
   (concurrent queries share one in-flight upstream call, hence fewer calls than a query's).
5. **hand-written Strawberry service**: `bench/naive_service.py`, the same fields and answer
   shape, resolvers calling the upstreams through one shared `httpx.AsyncClient`, no
   DataLoaders, no cache: each tourist spot searches FHIR for its own puskesmas, each
   dimension runs its own `package_search`, each program its own `datastore_search`.
6. **hub, whole-response cache hit, rate limits off**: as (2) with
   `KOTAHUB_RATE_LIMITS='{"enabled": false}'`. Every other hub configuration counts each
   request in Redis against a limit set too high to reach, so (2)/(6) is what counting costs.
7. **hub, refusing a query over max_cost**: as (2), sent a query asking `first: 100` three
   levels deep (a million objects); every one is refused before it runs (a 200 holding only
   the `QUERY_LIMIT_EXCEEDED` error, counted as the answer here).
8. **hub, upstream cache warm, on a three-node Redis Cluster**: as (3) with
   `KOTAHUB_REDIS_URL=redis+cluster://…` naming two of three primaries (no replicas) that the
   run starts for itself on loopback ports of the same machine; the hub finds the third
   itself. So (8)/(3) is what the cluster costs a hub that runs GraphQL.
9. **hub, whole-response cache hit, on a three-node Redis Cluster**: as (2) on the same
   cluster; (9)/(2) is what the cluster costs the whole-response hits.
10. **graphql-core executing the landing answer from memory**: `bench/graphql_limit.py`, in
   the benchmark's own process: the hub's schema (its SDL), the document parsed once, the
   answer's data as the root value read by graphql-core's default resolver. Its "req/s" is
   executions a second; p50 and p99 are the median time of one. With (1)'s time a request,
   the limit of any stack answering this query.
11. **hub, near me at a random point each request**: `bench/near_me.py` — health facilities
   and tourist spots within 3 km, five of each — as `kotahub serve` runs (both caches on),
   every request a different point in the city (100,000 drawn with a fixed seed, none
   repeated in a run): the whole-response cache never hits, GraphQL runs every time.
12. **hub, landing query with a partner's API key**: as (2), every request sending
   `X-API-Key` of a configured partner key (its rate limit set too high to reach).
13. **graphql-core executing near-me answers from memory**: as (10), for the answers at 20
   points drawn as (11)'s are (none of them asked in its run), their mean: some points find
   five of each, others nothing. With (1)'s time a request, the limit of (11)."""


def results_table(results: list[Result]) -> str:
    """The configurations side by side."""
    lines = [
        "| | configuration | req/s | p50 ms | p99 ms | upstream calls/query | peak MB | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, r in enumerate(results, start=1):
        label = f"{r.label} ({r.note})" if r.note else r.label
        lines.append(
            f"| {n} | {label} | {number(r.rps)} | {number(r.p50_ms)} | {number(r.p99_ms)} "
            f"| {r.upstream_per_query:.2f} | {r.peak_mb:.0f} | {r.errors} |"
        )
    return "\n".join(lines)


def targets_table(targets: list[Target]) -> str:
    lines = ["| target | this run | goal | |", "|---|---|---|---|"]
    for t in targets:
        lines.append(f"| {t.name} | {t.value} | {t.goal} | {'met' if t.met else 'missed'} |")
    return "\n".join(lines)


def cold_paragraph(cold: ColdCheck) -> str:
    cache = "on" if cold.response_cache else "off"
    reasons = sorted({reason.split(":")[0] for reason in cold.redis_fallbacks})
    fallbacks = (
        f" Meanwhile the hub logged {len(cold.redis_fallbacks)} times that Redis failed "
        f"({'; '.join(reasons)}) and it cached in memory instead "
        "(its log: bench/.work/landing/hub-burst.log)."
        if cold.redis_fallbacks
        else ""
    )
    return (
        f"A fresh hub (its own cache prefix, upstream cache on, whole-response cache {cache}) "
        f"was sent {cold.concurrent} identical landing queries at once, on {cold.concurrent} "
        f"connections opened beforehand. It made **{cold.burst_upstream_calls}** upstream "
        f"calls ({_by_source(cold.burst_by_source)}); one cold landing query on another fresh "
        f"hub needs **{cold.distinct_resources}** distinct upstream resources "
        f"({_by_source(cold.one_by_source)}). {cold.burst_ok} answers were 200 without "
        f"errors, {cold.burst_errors} were not; p50 {cold.burst_p50_ms:,.0f} ms, p99 "
        f"{cold.burst_p99_ms:,.0f} ms from the moment all were sent; the hub's peak memory "
        f"was {cold.peak_mb:.0f} MB.{fallbacks}"
    )


def _cluster_redis(machine: dict[str, str | int]) -> str:
    return f", Redis Cluster {machine['redis_cluster']}" if "redis_cluster" in machine else ""


def _by_source(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def _few_answers(report: Report) -> list[str]:
    """A caveat for configurations so slow that each connection answered only a few times."""
    connections = report.settings.concurrency
    few = [
        f"({n}) answered {r.requests} queries"
        for n, r in enumerate(report.results, start=1)
        if r.requests < 3 * connections and not r.key.startswith("graphql_core")
    ]
    if not few:
        return []
    caveat = (
        f"Slow configurations finish few queries in a run: {'; '.join(few)} over "
        f"{connections} connections. Their latency is mostly time queued behind the other "
        "connections and their percentiles are coarse; their throughput is still the queries "
        "answered over the time taken."
    )
    return [caveat, ""]


def _cluster_keys(report: Report) -> list[str]:
    """Where the hubs of (8) and (9) put their keys: proof that they used the whole cluster."""
    if not report.cluster_keys:
        return []
    counts = ", ".join(f"{count:,}" for count in report.cluster_keys)
    return [
        f"After (8) and (9) the cluster's three primaries held {counts} keys; they were "
        "then forgotten and the cluster stopped.",
        "",
    ]


def _naive_check(report: Report) -> str:
    naive = report.result("naive_service")
    if naive.note:
        return f"The hand-written service's answer was checked against the hub's: {naive.note}."
    return (
        "The hand-written service's answer was checked against the hub's: the same data "
        "(distances within 10 m)."
    )


def markdown(report: Report) -> str:
    """The whole results page."""
    s, m = report.settings, report.machine
    return "\n".join([
        "# The landing-page query: the hub against its stack's limit and a hand-written service",
        "",
        f"Measured {m['date']} on commit {m['code']} by `make bench` "
        f"(`python -m bench.run`), which took {report.elapsed_s:.0f} s.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['os']}; Python {m['python']}; "
        f"Redis {m['redis']}{_cluster_redis(m)}; load average {m['load_average']} as the run "
        "started.",
        f"- Upstreams: `kotahub demo-sources` in its own process, every answer delayed "
        f"{s.latency_ms:g} ms.",
        f"- Load: {s.concurrency} keep-alive HTTP/1.1 connections POSTing the configuration's "
        f"query for {s.duration:g} s per configuration (the same one, but for (11), which "
        f"sends a new point each time), after a {s.warmup:g} s warm-up that is not "
        "counted. The load generator (`bench/loadgen.py`) runs in a process of its own and "
        "checks every answer is a 200 without GraphQL errors; each server runs alone in its "
        "own process, under uvicorn as `kotahub serve` runs it. A run counts every query "
        "answered, including those still in flight at the deadline.",
        "- The query (`bench/landing.py`) touches every domain: 10 tourist spots with their "
        "nearest puskesmas, 10 open complaints, and the six dimensions with their programs' "
        "latest indicator values. The near-me query (`bench/near_me.py`) asks for five "
        "health facilities and five tourist spots within 3 km of a point.",
        "- Upstream calls per query: for the hub, the rise of `kotahub_upstream_requests_total` "
        "(all sources) over the measured run divided by the queries answered in it; for the "
        "hand-written service, its own count of outgoing requests. Peak memory: the server "
        "process's VmHWM read after its run (MB = 10^6 bytes).",
        "",
        results_table(report.results),
        "",
        CONFIGURATIONS,
        "",
        _naive_check(report),
        "",
        *_cluster_keys(report),
        *_few_answers(report),
        "## Cold cache: concurrent identical queries",
        "",
        cold_paragraph(report.cold),
        "",
        "## Targets",
        "",
        "Computed from the figures above, in the same run. A query's limit is what the stack "
        "itself needs to answer it: the bare route's time a request, 1000 / its req/s, plus "
        "graphql-core executing that query's very answer from memory, (10) or (13); a "
        "configuration's time a request is 1000 / its req/s (one process answers them all).",
        "",
        targets_table(report.targets()),
        "",
        "![requests per second and latency per configuration](landing.png)",
        "",
    ])  # fmt: skip
