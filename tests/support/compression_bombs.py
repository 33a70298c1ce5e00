"""A gzip bomb: a few kilobytes of compressed zeros for every mebibyte they decompress to."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Callable
from functools import cache

MIB = 1 << 20
SEGMENTS_PER_CHUNK = 64  # about 66 KB compressed, 64 MiB decompressed


@cache
def _pieces() -> tuple[bytes, bytes]:
    """The gzip header with the first MiB of zeros, and one more MiB of zeros: after a full
    flush each MiB compresses to the same bytes, so a bomb is one piece repeated."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(MIB)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    segment = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert segment == deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    return first, segment


def compressed_size(decoded_mib: int) -> int:
    first, segment = _pieces()
    return len(first) + (decoded_mib - 1) * len(segment)


async def gzip_bomb(decoded_mib: int, stopped: Callable[[], bool]) -> AsyncIterator[bytes]:
    """A gzip stream (without its trailer) of ``decoded_mib`` MiB of zeros, sent in chunks
    of about 66 KB until done or ``stopped()``."""
    first, segment = _pieces()
    chunk = segment * SEGMENTS_PER_CHUNK
    yield first
    for _ in range((decoded_mib - 1) // SEGMENTS_PER_CHUNK):
        if stopped():
            return
        yield chunk
        await asyncio.sleep(0)
