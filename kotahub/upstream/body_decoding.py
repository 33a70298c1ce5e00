"""Decoding an upstream body's Content-Encoding a piece at a time, never past a size cap."""

from __future__ import annotations

import zlib

# Only what can be decoded a bounded piece at a time: zlib stops at any output length
# asked of it. Brotli and zstd are left out until their decoders are bounded the same way.
ACCEPT_ENCODING = "gzip, deflate"
_WINDOW_BITS = {
    "gzip": zlib.MAX_WBITS | 16,
    "x-gzip": zlib.MAX_WBITS | 16,
    "deflate": zlib.MAX_WBITS,  # zlib-wrapped, as RFC 9110 says; raw deflate is tried next
}


class BodyTooLarge(Exception):
    """The decoded body would be larger than the cap; nothing past the cap was produced."""

    def __init__(self, cap: int, coding: str | None) -> None:
        super().__init__(
            f"more than {cap} bytes" + (f" once decoded from {coding}" if coding else "")
        )
        self.coding = coding


class UndecodableBody(Exception):
    """The body's Content-Encoding is not one the hub asked for, or the body is corrupt;
    the message completes "answered with a body …"."""


class BodyDecoder:
    """Turns the raw bytes of one body into its content, at most ``cap`` bytes in all.

    A compressed piece is inflated only as far as the room left under the cap plus one
    byte, so a body that decompresses to gigabytes costs no more memory than the cap."""

    def __init__(self, coding: str | None, cap: int) -> None:
        self.coding = coding
        self._cap = cap
        self._produced = 0
        self._inflate = zlib.decompressobj(_WINDOW_BITS[coding]) if coding else None
        # Some servers send deflate raw, without the zlib wrapper (httpx accepts both): the
        # first bytes are kept until the wrapper's two-byte header has been accepted.
        self._head: bytes | None = b"" if coding == "deflate" else None

    def decode(self, raw: bytes) -> bytes:
        """The content of the next raw piece; BodyTooLarge once past the cap."""
        if self._inflate is None:
            return self._counted(raw)
        if self._head is not None:
            self._head += raw
        try:
            content = self._inflated(raw)
        except zlib.error as exc:
            if self._head is None:
                raise UndecodableBody(
                    f"that its Content-Encoding ({self.coding}) cannot decode"
                ) from exc
            head, self._head, self._produced = self._head, None, 0
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.decode(head)
        if self._head is not None and len(self._head) >= 2:
            self._head = None
        return content

    def flush(self) -> bytes:
        """Whatever the decompressor still holds once the raw body has ended."""
        if self._inflate is None:
            return b""
        try:
            return self._counted(self._inflate.flush())
        except zlib.error as exc:
            raise UndecodableBody(
                f"that its Content-Encoding ({self.coding}) cannot decode"
            ) from exc

    def _inflated(self, raw: bytes) -> bytes:
        assert self._inflate is not None
        pieces: list[bytes] = []
        data = raw
        while data and not self._inflate.eof:  # bytes after the end of the stream are ignored
            room = self._cap - self._produced
            # max_length is never 0 (which would mean "no limit"): room is at least 0.
            pieces.append(self._counted(self._inflate.decompress(data, room + 1)))
            data = self._inflate.unconsumed_tail
        return b"".join(pieces)

    def _counted(self, content: bytes) -> bytes:
        self._produced += len(content)
        if self._produced > self._cap:
            raise BodyTooLarge(self._cap, self.coding)
        return content


def body_decoder(content_encoding: str | None, cap: int) -> BodyDecoder:
    """The decoder for a response's Content-Encoding; UndecodableBody for codings the hub
    did not ask for (it asks for ``ACCEPT_ENCODING`` only) or for several stacked."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return BodyDecoder(None, cap)
    if len(codings) == 1 and codings[0] in _WINDOW_BITS:
        return BodyDecoder(codings[0], cap)
    raise UndecodableBody(
        f"encoded as {content_encoding!r}, which the hub did not ask for; expected "
        f"{ACCEPT_ENCODING} or none, as its Accept-Encoding says"
    )
