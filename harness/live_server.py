"""Starts the real service with uvicorn in a child process, on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx

ROOT = Path(__file__).resolve().parents[1]


def poll_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether `condition` came true before `timeout` seconds passed (asked every 20 ms)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    process: subprocess.Popen[str]
    base_url: str
    log_path: Path
    # Answers 200 once the server can serve (other servers' launchers name their own).
    ready_path: ClassVar[str] = "/health/ready"

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.base_url.removeprefix("http://").split(":")
        return host, int(port)

    def connect(self, timeout: float = 10) -> socket.socket:
        """A raw TCP connection, for requests written by hand (nothing fixed up by a client)."""
        return socket.create_connection(self.address, timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_lines_with(self, text: str, timeout: float = 5.0) -> list[str]:
        """The log lines containing `text`, waiting for the first: the access log line is
        written just after the answer is sent."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [line for line in self.log().splitlines() if text in line]
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        """The service exactly as `make serve` and the container start it."""
        return [
            sys.executable, "-m", "app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        ]  # fmt: skip

    @classmethod
    @contextmanager
    def start(
        cls,
        environment: Mapping[str, str],
        timeout: float = 30.0,
        log_dir: Path | None = None,
        workers: int = 1,
    ) -> Iterator[LiveServer]:
        port = free_port()
        log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
        log_path = log_dir / f"cgpa-server-{port}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                cls.command(port, workers),
                cwd=ROOT,
                env={**os.environ, **environment},
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        server = cls(process, f"http://127.0.0.1:{port}", log_path)
        try:
            server.wait_until_ready(timeout)
            yield server
        finally:
            server.stop()

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.base_url + self.ready_path, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server not ready after {timeout} s:\n{self.log()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def read_http_response(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Reads one response (headers, then a Content-Length body) or until the peer closes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head:
        return 0, {}, b""
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split()[1]), headers, body
