"""The redis_url setting: one server, a cluster or Sentinel, and clear errors for the rest."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from kotahub.errors import ConfigError
from kotahub.hub.settings import load_settings
from kotahub.redaction import redact_url
from kotahub.store.redis_connection import connect_redis, parse_redis_url


def test_a_single_server_url_is_used_as_it_is() -> None:
    target = parse_redis_url("rediss://:secret@cache.balikpapan.go.id:6380/2")
    assert (target.topology, target.tls) == ("server", True)


def test_a_cluster_url_names_its_seed_nodes_with_default_ports() -> None:
    target = parse_redis_url("redis+cluster://ops:s%40cret@10.0.0.1:7000,10.0.0.2,[fd00::3]:7002")
    assert target.topology == "cluster"
    assert target.nodes == (("10.0.0.1", 7000), ("10.0.0.2", 6379), ("fd00::3", 7002))
    assert (target.username, target.password) == ("ops", "s@cret")


def test_a_sentinel_url_names_the_service_the_database_and_the_sentinels_password() -> None:
    target = parse_redis_url(
        "rediss+sentinel://:data@s1,s2:26380/kotahub/3?sentinel_password=watch"
    )
    assert target.topology == "sentinel" and target.tls
    assert target.nodes == (("s1", 26379), ("s2", 26380))
    assert (target.service, target.db) == ("kotahub", 3)
    assert (target.password, target.sentinel_password) == ("data", "watch")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("memcached://cache:11211", "expected a URL such as redis://host:6379/0"),
        ("cache:6379", "expected a URL such as"),
        ("redis+cluster://a:7000,b:notaport", "expected host:port for each node"),
        ("redis+cluster://a:70000", "expected host:port for each node"),
        ("redis+cluster://a:7000,,b:7001", "got ''"),
        ("redis+cluster://a:7000/3", "a Redis Cluster has only database 0"),
        ("redis+sentinel://s1:26379", "expected the Sentinel service name"),
        ("redis+sentinel://s1/kotahub/x", "expected a database number"),
        (
            "redis+sentinel://s1/kotahub?sentinel_pasword=x",
            "unknown option(s) ['sentinel_pasword']",
        ),
    ],
)
def test_a_bad_url_says_what_was_wrong_and_what_was_expected(url: str, expected: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_redis_url(url)
    assert expected in str(caught.value)


def test_a_bad_url_in_the_settings_is_refused_without_showing_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis+cluster://:hunter2@a:7000/5")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "redis_url" in message and "only database 0" in message
    assert "hunter2" not in message


def test_passwords_are_hidden_in_every_kind_of_url() -> None:
    assert redact_url("redis://user:s3:cret@cache/0") == "redis://user:***@cache/0"
    assert redact_url("redis+cluster://:pw@a:7000,b:7001") == "redis+cluster://:***@a:7000,b:7001"
    shown = redact_url("redis+sentinel://s1/kh?sentinel_password=watch&x=1")
    assert shown == "redis+sentinel://s1/kh?sentinel_password=***&x=1"
    assert redact_url("http://u:p@[not-an-address") == "http://u:***@[not-an-address"
    assert redact_url("redis://:s3c#re/t?x@redis:6379/0") == "redis://:***@redis:6379/0"
    assert redact_url("redis://redis/0?password=s3cret&db=1") == "redis://redis/0?password=***&db=1"
    shown = redact_url("redis+sentinel://s1/kh?sentinel_pasword=t0psecret")
    assert "t0psecret" not in shown


def test_a_password_with_a_slash_is_a_password_not_a_path() -> None:
    target = parse_redis_url("redis+cluster://:s3c/ret@h1:7000,h2:7001")
    assert target.password == "s3c/ret" and target.nodes == (("h1", 7000), ("h2", 7001))
    with pytest.raises(ValueError) as caught:
        parse_redis_url("redis+cluster://:s3c/ret@h1:x")
    assert "s3c" not in str(caught.value)


async def test_each_topology_gets_its_own_kind_of_client() -> None:
    cluster = connect_redis(parse_redis_url("redis+cluster://127.0.0.1:7000"), 1.0, 8)
    sentinel = connect_redis(parse_redis_url("redis+sentinel://127.0.0.1:26379/kh"), 1.0, 8)
    server = connect_redis(parse_redis_url("redis://127.0.0.1:6379/0"), 1.0, 8)
    assert isinstance(cluster, RedisCluster)
    assert isinstance(sentinel, Redis) and isinstance(server, Redis)
    for client in (cluster, sentinel, server):
        await client.aclose()
