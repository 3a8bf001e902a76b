"""The soak test's traffic: a weighted mix of valid and invalid requests, each with the
status it must get, sent over keep-alive connections that count every outcome."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field

from app.model.card import ModelCard


@dataclass(frozen=True)
class Kind:
    """One kind of request in the mix and the status it must get."""

    name: str
    weight: int
    expected: int


KINDS = [
    Kind("valid single", 40, 200),
    Kind("valid batch", 10, 200),
    Kind("malformed JSON", 5, 422),
    Kind("NaN literal", 5, 422),
    Kind("grade out of range", 5, 422),
    Kind("history too long", 5, 422),
    Kind("unknown field", 5, 422),
    Kind("deep nesting", 2, 422),
    Kind("wrong content type", 5, 415),
    Kind("GET on a POST route", 5, 405),
    Kind("unknown route", 3, 404),
    Kind("readiness", 5, 200),
    Kind("model card", 3, 200),
    Kind("metrics", 2, 200),
]


class Traffic:
    """Builds the requests of the mix from a seeded generator, so a run can be repeated."""

    def __init__(self, card: ModelCard, seed: int) -> None:
        self.card = card
        self.random = random.Random(seed)

    def history(self) -> list[float]:
        length = self.random.randint(self.card.min_history, self.card.max_history)
        return [round(self.random.uniform(0, 10), 2) for _ in range(length)]

    def student(self) -> dict:
        college = self.random.choice([None, *self.card.group.codes, 999])
        student: dict = {"grades": self.history()}
        if college is not None:
            student["college_code"] = college
        return student

    def next(self) -> tuple[Kind, str, str, bytes | None, dict[str, str]]:
        kind = self.random.choices(KINDS, weights=[kind.weight for kind in KINDS])[0]
        json_headers = {"content-type": "application/json"}
        body = {
            "valid single": lambda: json.dumps(self.student()),
            "valid batch": lambda: json.dumps(
                {"students": [self.student() for _ in range(self.random.randint(1, 50))]}
            ),
            "malformed JSON": lambda: '{"grades": [7.0, ',
            "NaN literal": lambda: '{"grades": [NaN]}',
            "grade out of range": lambda: json.dumps({"grades": [7.0, 10.5]}),
            "history too long": lambda: json.dumps({"grades": [7.0] * (self.card.max_history + 1)}),
            "unknown field": lambda: json.dumps({"grades": [7.0], "name": "x"}),
            "deep nesting": lambda: "[" * 10_000,
            "wrong content type": lambda: json.dumps(self.student()),
        }.get(kind.name)
        method, path, headers = "POST", "/predict", json_headers
        if kind.name == "valid batch":
            path = "/predict/batch"
        elif kind.name == "wrong content type":
            headers = {"content-type": "text/plain"}
        elif kind.name == "GET on a POST route":
            method, path = "GET", self.random.choice(["/predict", "/predict/batch"])
        elif kind.name == "unknown route":
            method, path = "GET", f"/nowhere/{self.random.randint(0, 10**6)}"
        elif kind.name in ("readiness", "model card", "metrics"):
            method = "GET"
            path = {"readiness": "/health/ready", "model card": "/model", "metrics": "/metrics"}[
                kind.name
            ]
        return kind, method, path, body().encode() if body else None, headers


@dataclass
class Outcome:
    started: float
    ended: float
    kind: str
    request_id: str
    status: int | None = None  # None: no answer
    error: str | None = None  # the transport error's type, when there was no answer


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    stop: bool = False


class ClosedUnanswered(ConnectionError):
    """The server closed the connection without answering the request sent on it."""


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection.

    httpx's async pool spends more CPU per request than this server does (about 100 req/s
    at 32 connections on this machine, against 2,000+ from wrk), so the soak speaks HTTP
    itself: send one request, read the status, the headers and a Content-Length body.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            self.close()
            raise ClosedUnanswered(f"{method} {path}")
        answer_headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        await self.reader.readexactly(int(answer_headers["content-length"]))
        if answer_headers.get("connection") == "close":
            self.close()
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def drive(base_url: str, connections: int, traffic: Traffic, run: Run) -> None:
    """`connections` workers, each sending one request after another on its own
    keep-alive connection until `run.stop`."""
    host, port = base_url.removeprefix("http://").split(":")
    counter = iter(range(10**9))

    async def worker() -> None:
        connection = Connection(host, int(port))
        while not run.stop:
            kind, method, path, body, headers = traffic.next()
            request_id = f"soak-{next(counter)}"
            outcome = Outcome(time.monotonic(), 0.0, kind.name, request_id)
            try:
                outcome.status = await connection.request(
                    method, path, body or b"", {**headers, "X-Request-ID": request_id}
                )
            except (OSError, asyncio.IncompleteReadError, KeyError) as error:
                outcome.error = type(error).__name__
                connection.close()
                await asyncio.sleep(0.05)  # after a refusal, do not spin
            outcome.ended = time.monotonic()
            run.outcomes.append(outcome)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
