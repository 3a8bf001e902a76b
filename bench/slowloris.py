"""Slowloris connections for `python -m bench.slow_clients`: each trickles a header byte at
an interval, reopening when the server closes it, and counts what the server did."""

from __future__ import annotations

import asyncio
import resource
import threading
import time
from dataclasses import dataclass, field

SLOW_HEAD = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@dataclass
class Slowloris:
    """`count` connections, each sending a request head and then one byte every `interval`
    s without ever ending it; a connection the server closes is recorded and reopened."""

    address: tuple[str, int]
    count: int
    interval: float
    lifetimes: list[float] = field(default_factory=list)  # of those the server closed
    answers: dict[int, int] = field(default_factory=dict)  # status (0: none) -> how many
    open_at_stop: int = 0
    opened: int = 0
    connect_errors: int = 0
    _stop: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(ready),))
        self._thread.start()
        ready.wait(30)

    def stop(self) -> None:
        assert self._loop is not None and self._stop is not None and self._thread is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def _run(self, ready: threading.Event) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        tasks = [asyncio.create_task(self._connection(index)) for index in range(self.count)]
        while self.opened < self.count:
            await asyncio.sleep(0.05)
        ready.set()
        await asyncio.gather(*tasks)

    async def _connection(self, index: int) -> None:
        assert self._stop is not None
        # Spread over one interval, so the trickled bytes arrive evenly.
        await asyncio.sleep(self.interval * index / self.count)
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(*self.address)
            except OSError:  # refused, or out of descriptors: count it and try again
                self.connect_errors += 1
                await asyncio.sleep(0.1)
                continue
            self.opened += 1
            opened = time.monotonic()
            writer.write(SLOW_HEAD)
            answer = asyncio.ensure_future(reader.read(65536))
            closed = False
            while not self._stop.is_set():
                done, _ = await asyncio.wait({answer}, timeout=self.interval)
                if done:
                    closed = True
                    break
                writer.write(b"a")
            if closed:
                self.lifetimes.append(time.monotonic() - opened)
                try:
                    data = answer.result()
                except ConnectionError:
                    data = b""
                status = int(data.split()[1]) if data.startswith(b"HTTP/") else 0
                self.answers[status] = self.answers.get(status, 0) + 1
            else:
                self.open_at_stop += 1
                answer.cancel()
            writer.close()


def raise_open_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
