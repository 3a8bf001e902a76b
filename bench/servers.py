"""The two servers under test, started the same way, and a sampler of their resident memory.

The service runs as shipped (`harness.live_server.LiveServer`: `python -m app`); the bare app
and the variants of `bench.variants` run under the uvicorn command line with the same
settings, so the only difference between them is the ASGI app.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import psutil

from bench.variants import PROTOCOLS
from harness.live_server import LiveServer

BARE_APP = "bench.bare_app:app"
# The protocol `python -m app` serves with; a variant may name another (bench.variants).
SHIPPED_PROTOCOL = "app.server.protocol:LimitedHttpToolsProtocol"


def uvicorn_command(
    target: str, port: int, *, factory: bool = False, http: str | None = None
) -> list[str]:
    """uvicorn with the settings `python -m app` (app/__main__.py) gives the service: one
    worker, uvicorn's default event loop (uvloop here), and no uvicorn access log. `http`:
    the protocol class; None is uvicorn's default (httptools here), as the bare app runs."""
    return [
        sys.executable, "-m", "uvicorn", target,
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-access-log",
        *(["--factory"] if factory else []),
        *(["--http", http] if http else []),
    ]  # fmt: skip


class BareServer(LiveServer):
    """LiveServer with the bare app in place of the service."""

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return uvicorn_command(BARE_APP, port)


class VariantServer(LiveServer):
    """LiveServer serving an app built by a factory in `bench.variants`. Subclassed per
    factory by `variant_server`."""

    factory = "as_shipped"

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        http = PROTOCOLS.get(cls.factory, SHIPPED_PROTOCOL)
        return uvicorn_command(f"bench.variants:{cls.factory}", port, factory=True, http=http)


def variant_server(factory: str) -> type[LiveServer]:
    return type(f"VariantServer_{factory}", (VariantServer,), {"factory": factory})


@dataclass
class StartedServer:
    server: LiveServer
    seconds_to_ready: float
    # CPU time the process used until ready: unlike the wall time, barely moved by how busy
    # the machine's other processes keep its cores.
    cpu_seconds_to_ready: float
    memory: MemorySampler


@contextmanager
def started(kind: str, environment: Mapping[str, str]) -> Iterator[StartedServer]:
    """Start `kind` ("bare", "service", or a factory name in `bench.variants`), timing process
    start to the first 200 from /health/ready (LiveServer polls every 0.1 s, so this errs up
    by at most that)."""
    launcher = {"bare": BareServer, "service": LiveServer}.get(kind) or variant_server(kind)
    with started_launcher(launcher, environment) as server:
        yield server


@contextmanager
def started_launcher(
    launcher: type[LiveServer], environment: Mapping[str, str], timeout: float = 60
) -> Iterator[StartedServer]:
    """`started` for any LiveServer subclass (bench.peers starts LitServe and KServe so). CPU
    time counts the whole process tree: a server may start workers before it is ready."""
    began = time.perf_counter()
    with launcher.start(environment, timeout=timeout) as server:
        seconds = time.perf_counter() - began
        with MemorySampler.watching(server.process.pid) as memory:
            yield StartedServer(server, seconds, tree_cpu_seconds(server.process.pid), memory)


def tree_cpu_seconds(pid: int) -> float:
    process = psutil.Process(pid)
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        with suppress(psutil.NoSuchProcess):
            times = member.cpu_times()
            total += times.user + times.system
    return total


@dataclass
class MemorySampler:
    """Resident memory of a process (and any children), sampled in a background thread.

    Besides RSS, the anonymous part (RSS less the pages mapped from files): how many pages
    of a shared library such as libtorch count in RSS depends on the page cache, not on the
    service (a library just installed, all of it cached, maps about twice as many pages
    as one cached only where used), and the kernel can drop those clean pages at any time;
    what the service allocates, and what a container's limit has to hold, is the rest."""

    pid: int
    interval: float = 0.2
    peak_bytes: int = 0
    last_bytes: int = 0
    peak_anonymous_bytes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def rss_now(self) -> int:
        return self._now()[0]

    def _now(self) -> tuple[int, int]:
        """(RSS, RSS less file-backed pages) of the process and its children."""
        process = psutil.Process(self.pid)
        resident = anonymous = 0
        for member in [process, *process.children(recursive=True)]:
            with suppress(psutil.NoSuchProcess):
                memory = member.memory_info()
                resident += memory.rss
                # On Linux `shared` is the file-backed (and shared-memory) part of RSS.
                anonymous += memory.rss - memory.shared
        return resident, anonymous

    def sample(self) -> None:
        try:
            self.last_bytes, anonymous = self._now()
        except psutil.NoSuchProcess:
            return
        self.peak_bytes = max(self.peak_bytes, self.last_bytes)
        self.peak_anonymous_bytes = max(self.peak_anonymous_bytes, anonymous)

    @classmethod
    @contextmanager
    def watching(cls, pid: int) -> Iterator[MemorySampler]:
        sampler = cls(pid)
        sampler.sample()

        def loop() -> None:
            while not sampler._stop.wait(sampler.interval):
                sampler.sample()

        thread = threading.Thread(target=loop, name=f"rss-{pid}", daemon=True)
        thread.start()
        try:
            yield sampler
        finally:
            sampler._stop.set()
            thread.join()
            sampler.sample()
