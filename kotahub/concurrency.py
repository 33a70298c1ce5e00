"""Work that grows with a client's input, moved off the event loop when the input is large."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Parsing, measuring and validating a GraphQL document costs up to about 100 µs a token in
# pure Python, and a token can be two characters: past this length a document could hold
# the event loop for tens of milliseconds, so it is read in a worker thread instead, which
# gives the loop its turn every few milliseconds. Shorter ones are not worth the hop.
OFF_LOOP_CHARS = 1024
# One thread: the loop then shares the interpreter's lock with one thread, not several that
# would take turns before it, and large documents wait their turn rather than crowd it.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kotahub-off-loop")


async def sized_off_loop(chars: int, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)``: here when its input is at most OFF_LOOP_CHARS long, else in
    the worker thread, so that no large input holds the event loop (work must be
    thread-safe)."""
    return await off_loop_if(chars > OFF_LOOP_CHARS, work, *args, **kwargs)


async def off_loop_if(heavy: bool, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)``: in the worker thread when ``heavy``, else here (work must
    be thread-safe)."""
    if not heavy:
        return work(*args, **kwargs)
    call = functools.partial(contextvars.copy_context().run, work, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WORKER, call)
