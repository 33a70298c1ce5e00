"""Cache keys: one key for one request, however its parameters are written."""

from __future__ import annotations

from kotahub.upstream.cache_keys import upstream_key
from kotahub.upstream.urls import normalized_url


def test_parameter_order_and_host_case_do_not_matter() -> None:
    a = normalized_url("http://Data.Example/items?b=2&a=1", {"limit": 10})
    b = normalized_url("http://data.example/items?limit=10", {"a": "1", "b": 2})
    assert a == b == "http://data.example/items?a=1&b=2&limit=10"


def test_values_and_paths_do_matter() -> None:
    base = normalized_url("http://x/items", {"limit": 10})
    assert base != normalized_url("http://x/items", {"limit": 11})
    assert base != normalized_url("http://x/other", {"limit": 10})
    assert normalized_url("http://x/items", {"open": True}).endswith("open=true")


def test_sequences_repeat_a_parameter() -> None:
    url = normalized_url("http://x/Location", {"_include": ["b", "a"], "_count": 5})
    assert url == "http://x/Location?_count=5&_include=a&_include=b"


def test_keys_name_prefix_source_generation_and_method() -> None:
    key = upstream_key("kotahub", "tourism", 3, "get", "http://x/items?a=1")
    assert key.startswith("kotahub:up:tourism:g3:GET:")
    assert key != upstream_key("kotahub", "health", 3, "get", "http://x/items?a=1")
    assert key != upstream_key("kotahub", "tourism", 4, "get", "http://x/items?a=1")
