"""Real Redis topologies on loopback: a three-node Redis Cluster, and a master, a replica and
a Sentinel watching them. Started and stopped by the tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import redis

from tests.support.ports import free_port
from tests.support.redis_server import redis_server_binary

SLOTS = 16384
Topology = TypeVar("Topology", "RedisCluster", "SentinelSetup")


@contextmanager
def running(topology: Topology) -> Iterator[Topology]:
    """The topology started for the block, and stopped with its files removed after it."""
    try:
        topology.start()
        yield topology
    finally:
        topology.cleanup()


class RedisProcess:
    """One redis-server (or sentinel) process with its own directory and extra arguments."""

    def __init__(self, port: int, *arguments: str, config: str | None = None) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="kotahub-redis-"))
        self._arguments = arguments
        self._config = config
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [redis_server_binary()]
        if self._config is not None:  # Sentinel rewrites its configuration file
            path = self.dir / "sentinel.conf"
            path.write_text(self._config)
            command += [str(path), "--sentinel"]
        command += ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
        command += [*self._arguments]
        command += ["--logfile", str(self.dir / "redis.log")]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self._started, f"redis on port {self.port} to start")

    def _started(self) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:  # it could not start: say why, never wait on
            log = self.dir / "redis.log"
            said = log.read_text(errors="replace")[-500:] if log.exists() else ""
            raise RuntimeError(f"redis on port {self.port} exited: {said}")
        return _answering_pid(self.port) == self._process.pid  # ours, not another's

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(condition: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def _answering_pid(port: int) -> int | None:
    try:
        info = redis.Redis(port=port, socket_connect_timeout=0.2).info("server")
    except redis.ConnectionError:
        return None
    return int(info["process_id"])


class RedisCluster:
    """Three primaries sharing the 16384 slots, no replicas; ``url`` names two of them as
    seeds, so the hub must discover the third itself."""

    def __init__(self) -> None:
        self.nodes = [
            RedisProcess(
                free_port(with_bus=True),
                *("--cluster-enabled", "yes", "--cluster-node-timeout", "2000"),
                *("--save", "", "--appendonly", "no"),
            )
            for _ in range(3)
        ]
        seeds = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes[:2])
        self.url = f"redis+cluster://{seeds}"

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        share = SLOTS // len(self.nodes)
        for index, node in enumerate(self.nodes):
            last = SLOTS if index == len(self.nodes) - 1 else (index + 1) * share
            node.client().cluster("ADDSLOTS", *range(index * share, last))
        first = self.nodes[0].client()
        for node in self.nodes[1:]:
            first.cluster("MEET", "127.0.0.1", node.port)
        wait_for(self._formed, "the cluster to agree on its slots")

    def _formed(self) -> bool:
        for node in self.nodes:
            info = node.client().cluster("INFO")
            if info.get("cluster_state") != "ok" or int(info["cluster_known_nodes"]) != 3:
                return False
        return True

    def key_counts(self) -> list[int]:
        """How many keys each node holds."""
        return [int(node.client().dbsize()) for node in self.nodes]

    def cleanup(self) -> None:
        for node in self.nodes:
            node.cleanup()


class SentinelSetup:
    """A master, its replica, and one Sentinel (quorum 1) that fails over to the replica."""

    SERVICE = "kotahub"

    def __init__(self) -> None:
        plain = ("--save", "", "--appendonly", "no")
        self.master = RedisProcess(free_port(with_bus=True), *plain)
        self.replica = RedisProcess(
            free_port(with_bus=True), *plain, "--replicaof", "127.0.0.1", str(self.master.port)
        )
        config = (
            f"sentinel monitor {self.SERVICE} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {self.SERVICE} 1000\n"
            f"sentinel failover-timeout {self.SERVICE} 5000\n"
        )
        self.sentinel = RedisProcess(free_port(with_bus=True), config=config)
        self.url = f"redis+sentinel://127.0.0.1:{self.sentinel.port}/{self.SERVICE}/0"

    def start(self) -> None:
        self.master.start()
        self.replica.start()
        wait_for(self._replicating, "the replica to follow the master")
        self.sentinel.start()
        wait_for(self._watching, "Sentinel to see the master and its replica")

    def _replicating(self) -> bool:
        info = self.replica.client().info("replication")
        return info.get("master_link_status") == "up"

    def _watching(self) -> bool:
        """Sentinel reports the master and has found the replica, which it learns of only from
        the master's INFO: a master killed before that leaves it nothing to promote."""
        if self.master_port() != self.master.port:
            return False
        try:
            replicas: Any = self.sentinel.client().sentinel_slaves(self.SERVICE)
        except redis.RedisError:
            return False
        return any(
            int(found["port"]) == self.replica.port
            and found["master-link-status"] == "ok"
            and not (found["is_sdown"] or found["is_disconnected"])
            for found in replicas
        )

    def master_port(self) -> int | None:
        try:
            found: Any = self.sentinel.client().sentinel_get_master_addr_by_name(self.SERVICE)
        except redis.RedisError:
            return None
        return int(found[1]) if found else None

    def fail_over(self) -> None:
        """Kill the master once the replica holds every write made so far, and wait until
        Sentinel has promoted the replica."""
        self._until_the_replica_holds_every_write()
        self.master.stop()
        wait_for(lambda: self.master_port() == self.replica.port, "Sentinel to fail over", 60)
        wait_for(self._promoted, "the replica to take the master's role", 60)

    def _until_the_replica_holds_every_write(self) -> None:
        """WAIT counts the replicas holding this connection's own last write, so make one first:
        the replica takes writes in the master's order, so it then holds every earlier one."""
        seconds = 30
        with redis.Redis(
            port=self.master.port, socket_timeout=seconds + 10, single_connection_client=True
        ) as master:
            master.set("kotahub-test:before-failover", 1)
            acknowledged: Any = master.wait(1, seconds * 1000)
        if int(acknowledged) < 1:
            raise RuntimeError(f"the replica did not acknowledge the writes within {seconds} s")

    def _promoted(self) -> bool:
        info = self.replica.client().info("replication")
        return info.get("role") == "master"

    def cleanup(self) -> None:
        for process in (self.sentinel, self.replica, self.master):
            process.cleanup()
