"""Compressed upstream bodies are decoded only up to the size cap, so a gzip bomb is refused."""

from __future__ import annotations

import gzip
import resource
import time
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from kotahub.upstream.body_decoding import (
    ACCEPT_ENCODING,
    BodyTooLarge,
    UndecodableBody,
    body_decoder,
)
from tests.conftest import HubFactory, tourism_source
from tests.support.compression_bombs import MIB, compressed_size
from tests.support.controlled_upstream import Behaviour
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer

QUERY = "{ touristSpots(first: 50) { edges { node { name meta { source } } } } }"
GENEROUS_SECONDS = 20.0
BOMB_MIB = 4096  # 4 GiB of zeros, sent as about 4 MB of gzip
CAP = 1 * MIB


@pytest.fixture
def with_tourism(
    hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> Callable[..., Settings]:
    def make(uji: dict[str, Any]) -> Settings:
        sources = [tourism_source(demo_server.url), uji]
        return hub_settings(sources=sources, response_cache=False)

    return make


def uji_names(body: dict[str, Any]) -> list[str]:
    edges = body["data"]["touristSpots"]["edges"]
    return [edge["node"]["name"] for edge in edges if edge["node"]["meta"]["source"] == "uji"]


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


async def test_a_gzip_bomb_is_refused_at_the_cap_without_being_inflated(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    assert 2 * MIB < compressed_size(BOMB_MIB) < 8 * MIB  # a few MB for 4 GiB
    behaviour.gzip_bomb_mib = BOMB_MIB
    async with hub(with_tourism({**uji_source, "max_response_bytes": CAP})) as client:
        rss_before = max_rss_bytes()
        tracemalloc.start()
        try:
            started = time.monotonic()
            body = await gql(client, QUERY)
            seconds = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        rss_growth = max_rss_bytes() - rss_before
    error = only_error(body)
    assert error["extensions"] == {"code": "UPSTREAM_BAD_PAYLOAD", "source": "uji"}
    assert error["message"] == (
        f"source 'uji': GET /items?limit=500 answered with more than the source's "
        f"max_response_bytes of {CAP} once decoded from gzip; stopped reading"
    )
    assert behaviour.requests() == 1  # a bad payload is not retried
    assert seconds < GENEROUS_SECONDS
    # Decoding held about the cap, never a whole inflated chunk (64 MiB and up).
    assert peak < 32 * MIB, f"Python allocations peaked at {peak / MIB:.0f} MiB"
    assert rss_growth < 200 * MIB, f"the process grew by {rss_growth / MIB:.0f} MiB"


async def test_a_gzipped_answer_is_decoded_and_only_gzip_and_deflate_are_asked_for(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.gzipped = True
    async with hub(with_tourism(uji_source)) as client:
        body = await gql(client, QUERY)
    assert "errors" not in body and uji_names(body) == ["Pantai Uji v1"]
    assert behaviour.accept_encodings == [ACCEPT_ENCODING] == ["gzip, deflate"]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("br", "answered with a body encoded as 'br', which the hub did not ask for"),
        ("gzip, gzip", "encoded as 'gzip, gzip', which the hub did not ask for"),
        ("deflate", "answered with a body that its Content-Encoding (deflate) cannot decode"),
        ("gzip", "answered with a body that its Content-Encoding (gzip) cannot decode"),
    ],
    ids=["brotli", "stacked", "not-deflate", "not-gzip"],
)
async def test_an_encoding_not_asked_for_or_not_decodable_is_a_bad_payload(
    hub: HubFactory,
    with_tourism: Callable[..., Settings],
    behaviour: Behaviour,
    uji_source: Any,
    encoding: str,
    expected: str,
) -> None:
    behaviour.content_encoding = encoding  # the body is plain JSON all the same
    async with hub(with_tourism(uji_source)) as client:
        body = await gql(client, QUERY)
    error = only_error(body)
    assert error["extensions"] == {"code": "UPSTREAM_BAD_PAYLOAD", "source": "uji"}
    assert expected in error["message"]
    assert "expected gzip, deflate or none" in error["message"] or "cannot decode" in expected


def decoded(encoding: str | None, raw: bytes, cap: int, piece: int = 4096) -> bytes:
    decoder = body_decoder(encoding, cap)
    parts = [decoder.decode(raw[i : i + piece]) for i in range(0, len(raw), piece)]
    return b"".join([*parts, decoder.flush()])


CONTENT = b'{"type": "FeatureCollection", "features": []}' * 500


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda data: data),
        ("identity", lambda data: data),
        ("gzip", gzip.compress),
        ("GZip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as RFC 9110 says
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as some send
    ],
    ids=["none", "identity", "gzip", "GZip", "x-gzip", "deflate", "raw-deflate"],
)
def test_bodies_decode_whole_up_to_the_cap_and_not_a_byte_past(
    encoding: str | None, encode: Callable[[bytes], bytes]
) -> None:
    raw = encode(CONTENT)
    assert decoded(encoding, raw, len(CONTENT)) == CONTENT
    assert decoded(encoding, raw, len(CONTENT), piece=1) == CONTENT
    with pytest.raises(BodyTooLarge):
        decoded(encoding, raw, len(CONTENT) - 1)


def test_a_bomb_piece_is_inflated_no_further_than_the_cap() -> None:
    bomb = gzip.compress(bytes(256 * MIB), compresslevel=9)  # about 250 KB
    decoder = body_decoder("gzip", 10_000)
    produced = 0
    with pytest.raises(BodyTooLarge, match="more than 10000 bytes once decoded from gzip"):
        for start in range(0, len(bomb), 65_536):
            produced += len(decoder.decode(bomb[start : start + 65_536]))
    assert produced <= 10_000


def test_corrupt_and_unasked_for_encodings_are_refused() -> None:
    with pytest.raises(UndecodableBody, match="expected gzip, deflate or none"):
        body_decoder("br", MIB)
    with pytest.raises(UndecodableBody, match="expected gzip, deflate or none"):
        body_decoder("zstd", MIB)
    with pytest.raises(UndecodableBody, match=r"\(gzip\) cannot decode"):
        decoded("gzip", b"not gzip at all", MIB)
    truncated = gzip.compress(CONTENT)[:-40]
    assert len(decoded("gzip", truncated, MIB)) < len(CONTENT)  # then not valid JSON
