"""(8) and (9): the hub on a three-node Redis Cluster the benchmark starts for itself."""

from __future__ import annotations

from dataclasses import dataclass, replace

import redis

from bench import configurations
from bench.configurations import Bench
from bench.measure import Result
from tests.support.redis_cluster import RedisCluster


@dataclass(frozen=True)
class ClusterRuns:
    """What the hub measured on the cluster, the cluster's Redis, and where its keys went."""

    results: list[Result]
    version: str
    keys_per_node: list[int]


def run_on_cluster(bench: Bench) -> ClusterRuns:
    """Three primaries on loopback, (8) and (9) measured on them, then every node stopped."""
    cluster = RedisCluster()
    try:
        cluster.start()
        on_cluster = replace(bench, redis_url=cluster.url)
        print("(8) hub, upstream cache warm, on a three-node Redis Cluster ...", flush=True)
        warm = configurations.hub_upstream_warm_on_cluster(on_cluster)
        print("(9) hub, whole-response cache hit, on a three-node Redis Cluster ...", flush=True)
        hit = configurations.hub_response_cache_on_cluster(on_cluster)
        keys = cluster.key_counts()
        version = str(cluster.nodes[0].client().info("server").get("redis_version", "unknown"))
        return ClusterRuns([warm, hit], version, keys)
    finally:
        forget_on_cluster(cluster, bench.prefix(""))
        cluster.cleanup()


def forget_on_cluster(cluster: RedisCluster, prefix: str) -> None:
    """Deletes the keys the run left under ``prefix`` on every node, hash-tagged ones too
    (``{prefix…}:outbox``); one key per command, as a cluster node takes no others."""
    for node in cluster.nodes:
        client = node.client()
        try:
            for pattern in (f"{prefix}*", f"{{{prefix}*"):
                keys = list(client.scan_iter(match=pattern, count=1000))
                with client.pipeline(transaction=False) as pipe:
                    for key in keys:
                        pipe.unlink(key)
                    pipe.execute()
        except redis.RedisError:
            pass  # only tidying, on a node that did not start or already stopped
        finally:
            client.close()
