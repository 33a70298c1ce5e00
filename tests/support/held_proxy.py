"""A TCP proxy on a loopback port that holds what clients send, until the test lets it through
or cuts the connection that sent it: a server that hangs, then fails, when the test says."""

from __future__ import annotations

import asyncio
import contextlib
import time
from types import TracebackType
from urllib.parse import urlsplit

from tests.support.ports import free_port


class Link:
    """One client's connection through the proxy."""

    def __init__(self, client: asyncio.StreamWriter, server: asyncio.StreamWriter) -> None:
        self.client = client
        self.server = server
        self.held = bytearray()

    def cut(self) -> None:
        """Close both ends, dropping what is held: the client's call fails at once."""
        self.held.clear()
        self.client.close()
        self.server.close()


class HeldProxy:
    """Forwards to the server of ``url`` (a ``scheme://host:port/...`` address) until told
    to ``hold``; ``url`` is then the proxy's own address, with the same scheme and path."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.port = free_port()
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        self.url = parts._replace(netloc=netloc).geturl()
        self._holding = False
        self._links: list[Link] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> HeldProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for link in self._links:
            link.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def hold(self) -> None:
        """Keep what clients send from now on, each connection's in order."""
        self._holding = True

    def release(self) -> None:
        """Send on what is held, and forward everything again."""
        self._holding = False
        for link in self.holding():
            link.server.write(bytes(link.held))
            link.held.clear()

    def holding(self) -> list[Link]:
        """The connections with something held, the one that sent first first."""
        return [link for link in self._links if link.held]

    async def until_holding(self, count: int, seconds: float = 10.0) -> list[Link]:
        """Wait until ``count`` connections have something held; those connections."""
        deadline = time.monotonic() + seconds
        while len(self.holding()) < count:
            assert time.monotonic() < deadline, f"{len(self.holding())} of {count} held"
            await asyncio.sleep(0.01)
        return self.holding()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self._target)
        link = Link(writer, server_writer)
        self._links.append(link)
        back = asyncio.create_task(_copy(server_reader, writer))
        self._tasks.add(back)
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65_536):
                if self._holding or link.held:
                    link.held += chunk
                else:
                    server_writer.write(chunk)
        server_writer.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65_536):
            writer.write(chunk)
    writer.close()
