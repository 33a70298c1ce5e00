"""docker-compose.yml wires three hub replicas, the worker and nginx the way the hub needs."""

from __future__ import annotations

import re
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from kotahub.hub.settings import Settings, load_settings
from tests.support.nginx import PROXY_CONF

ROOT = Path(__file__).parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
NGINX = PROXY_CONF.read_text()
SIZES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def kotahub_services(command: str) -> list[str]:
    return [
        name for name, s in SERVICES.items() if s.get("command", [])[:2] == ["kotahub", command]
    ]


def settings_of(service: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """What the service's environment means to the hub's own settings loader."""
    for name, value in SERVICES[service]["environment"].items():
        monkeypatch.setenv(name, str(value))
    return load_settings()


def directive(name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", NGINX, re.MULTILINE)
    assert len(found) == 1, f"deploy/nginx.conf should set {name} once"
    return str(found[0]).strip()


def size(value: str) -> int:
    """Bytes of an nginx size such as ``1m``."""
    found = re.fullmatch(r"(\d+)([kmg]?)", value.lower())
    assert found is not None, f"not an nginx size: {value!r}"
    return int(found[1]) * SIZES[found[2]]


def test_three_stateless_hub_replicas_and_one_worker() -> None:
    assert kotahub_services("serve") == ["hub"]
    assert SERVICES["hub"]["deploy"]["replicas"] == 3
    assert "container_name" not in SERVICES["hub"]  # a fixed name allows one replica only
    assert "volumes" not in SERVICES["hub"]  # nothing of theirs outlives a replica
    assert kotahub_services("worker") == ["worker"]
    assert "--metrics-port" in SERVICES["worker"]["command"]


@pytest.mark.parametrize("service", ["hub", "worker"])
def test_every_hub_and_worker_shares_the_redis_and_reads_the_upstreams(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_of(service, monkeypatch)
    assert urlsplit(settings.redis_url).hostname == "redis" and "redis" in SERVICES
    upstreams = SERVICES["upstreams"]["command"]
    port = int(upstreams[upstreams.index("--port") + 1])
    assert settings.sources, "the reference upstreams should be configured as sources"
    for source in settings.sources:
        assert (source.base_url.host, source.base_url.port) == ("upstreams", port)
    assert {"redis", "upstreams"} <= set(SERVICES[service]["depends_on"])


def test_delivery_runs_in_the_worker_not_in_every_replica(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings_of("hub", monkeypatch).delivery_worker is False


def test_the_proxy_is_the_only_published_door_to_the_hub() -> None:
    published = {name: s["ports"] for name, s in SERVICES.items() if "ports" in s}
    assert set(published) == {"proxy", "upstreams"}  # the upstreams' photos, for browsers
    assert [p.rsplit(":", 1)[1] for p in published["proxy"]] == [directive("listen")]
    assert "expose" in SERVICES["hub"]


def test_the_hubs_trust_the_proxy_and_nothing_outside_the_compose_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subnet = ip_network(COMPOSE["networks"]["kotahub"]["ipam"]["config"][0]["subnet"])
    proxy = ip_address(SERVICES["proxy"]["networks"]["kotahub"]["ipv4_address"])
    trusted = [ip_network(t) for t in settings_of("hub", monkeypatch).trusted_proxies]
    assert proxy in subnet
    assert any(proxy in network for network in trusted)
    for network in trusted:
        assert network.network_address in subnet and network.broadcast_address in subnet
    for name, service in SERVICES.items():
        assert "kotahub" in service["networks"], f"{name} is not on the compose network"


def test_the_proxy_config_balances_over_the_hub_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mounted = {v.split(":")[0]: v.split(":")[1] for v in SERVICES["proxy"]["volumes"]}
    assert mounted["./deploy/nginx.conf"] == "/etc/nginx/conf.d/default.conf"
    hub = settings_of("hub", monkeypatch)
    assert re.search(rf"^\s*server hub:{hub.port} resolve\b", NGINX, re.MULTILINE)
    assert "proxy_pass http://kotahub_hubs;" in NGINX
    assert directive("resolver").split()[0] == "127.0.0.11"  # Docker's own DNS


def test_the_proxys_limits_match_the_hubs(monkeypatch: pytest.MonkeyPatch) -> None:
    hub = settings_of("hub", monkeypatch)
    assert size(directive("client_max_body_size")) == hub.max_body_bytes
    assert f'"maximum":{hub.max_body_bytes}' in NGINX  # the 413 nginx answers itself
    read_timeout = directive("proxy_read_timeout")
    assert int(read_timeout.removesuffix("s")) > hub.request_timeout_seconds
