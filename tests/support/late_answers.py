"""An upstream that does what a POST asks at once, but answers it late."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AnswersLate:
    """Makes what is POSTed at once, answers only ``seconds`` later: the worker that posted
    may die, or give up waiting, in between."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def late(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("method") == "POST":
                await asyncio.sleep(self.seconds)
            await send(message)

        await self.app(scope, receive, late)
