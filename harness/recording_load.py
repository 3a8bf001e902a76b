"""Recording load on a live server: threads posting /predict with a `student_id`, keeping
count of every status and every forecast id a client was told of, for tests that then look
for those ids in the database (a kill -9, two workers on one file, a PostgreSQL outage)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

STUDENT = {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}


@dataclass
class RecordingLoad:
    base_url: str
    threads: int = 8
    timeout: float = 20.0
    statuses: Counter[int | str] = field(default_factory=Counter)
    forecast_ids: list[str] = field(default_factory=list)
    slowest: float = 0.0
    bodies_5xx: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> RecordingLoad:
        for number in range(self.threads):
            worker = threading.Thread(target=self._post_until_stopped, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(self.timeout + 5)

    def _post_until_stopped(self, number: int) -> None:
        sent = 0
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            while not self._stop.is_set():
                sent += 1
                body = {**STUDENT, "student_id": f"S-{number}-{sent}"}
                started = time.monotonic()
                try:
                    response = client.post("/predict", json=body)
                except httpx.TimeoutException:
                    self._count("timeout")
                    continue
                except httpx.TransportError:
                    self._count("transport")
                    time.sleep(0.05)
                    continue
                elapsed = time.monotonic() - started
                with self._lock:
                    self.slowest = max(self.slowest, elapsed)
                    self.statuses[response.status_code] += 1
                    if response.status_code == 200:
                        self.forecast_ids.append(response.json()["forecast_id"])
                    elif response.status_code >= 500 and response.status_code != 503:
                        self.bodies_5xx.append(response.text)
                if response.status_code == 503:
                    time.sleep(0.02)

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.statuses[outcome] += 1

    def wait_for(self, status: int | str, count: int, timeout: float = 30.0) -> None:
        """Waits until `count` more answers of `status` arrived."""
        with self._lock:
            target = self.statuses[status] + count
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.statuses[status] >= target:
                    return
            time.sleep(0.02)
        raise TimeoutError(f"not {count} more {status} answers in {timeout} s: {self.statuses}")
