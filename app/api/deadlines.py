"""`with within(seconds):` a deadline for the awaits of a request, without a timer per request.

`asyncio.timeout` arms and cancels an event-loop timer on every use; on the body read of every
request that was a measurable share of the request's cost (docs/performance.md). Here a
deadline joins a bucket of the deadlines that fall in the same RESOLUTION-long slot (rounded
up, so never early), and one timer per bucket, armed by its first member, cancels the tasks
still waiting in it. A request that finishes in time only adds itself to a set and takes
itself out again. Past the deadline the block raises `TimeoutError`, as `asyncio.timeout`'s
does.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from types import TracebackType

# How late past its deadline a wait may be cut: the timers this needs are one per slot.
RESOLUTION = 0.1

# Per event loop: slot number -> the deadlines due at its end. A service process runs one
# loop, so the last one asked for is kept at hand.
_buckets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, set[within]]] = (
    weakref.WeakKeyDictionary()
)
_last: tuple[asyncio.AbstractEventLoop | None, dict[int, set[within]]] = (None, {})


def buckets_of(loop: asyncio.AbstractEventLoop) -> dict[int, set[within]]:
    global _last
    if _last[0] is loop:
        return _last[1]
    buckets = _buckets.get(loop)
    if buckets is None:
        buckets = _buckets[loop] = {}
    _last = (loop, buckets)
    return buckets


class within:  # lower case, as asyncio.timeout is used
    """A synchronous context manager: entering and leaving it never waits, so it costs no
    coroutine of its own; the awaits inside it are what it times."""

    __slots__ = ("seconds", "task", "bucket", "expired")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False

    def __enter__(self) -> within:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None, "within() runs in a task"
        self.task = task
        slot = math.ceil((loop.time() + self.seconds) / RESOLUTION)
        buckets = buckets_of(loop)
        bucket = buckets.get(slot)
        if bucket is None:
            bucket = buckets[slot] = set()
            loop.call_at(slot * RESOLUTION, _expire, buckets, slot)
        bucket.add(self)
        self.bucket = bucket
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.bucket.discard(self)
        if self.expired and exc_type is asyncio.CancelledError:
            self.task.uncancel()
            raise TimeoutError from exc


def _expire(buckets: dict[int, set[within]], slot: int) -> None:
    for deadline in buckets.pop(slot, ()):
        deadline.expired = True
        deadline.task.cancel()
