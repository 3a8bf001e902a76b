"""The store's two speed targets, through the real app in process (HTTP over TestClient):
`POST /outcomes` with 10,000 outcomes, and `GET /monitoring` over 1,000,000 recorded forecasts
(half of them with an outcome), on SQLite and on PostgreSQL.

`python -m bench.store_speed [--forecasts 1000000] [--postgres URL | --no-postgres]` fills a
fresh database per backend (forecasts written as the recorder writes them, outcomes through
`POST /outcomes` in requests of 10,000), then times each target's median of `--rounds` calls
and writes bench/results/store_speed.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.store.outcomes import RealGrade, record_outcomes
from app.store.store import Store
from harness.store_rows import (
    POSTGRES_SERVER,
    forecast_row,
    insert_forecasts,
    postgres_store,
    sqlite_store,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "store_speed.json"
OUTCOMES_PER_REQUEST = 10_000
VERSIONS = ("1.0.0+0ecf924b", "1.1.0+retrained")
GROUPS = ("115", "116", "165", "241", None)


def fill(store: Store, count: int) -> None:
    rng = random.Random(0)
    start = datetime.now(UTC) - timedelta(days=1)
    for first in range(0, count, 50_000):
        rows = []
        for n in range(first, min(count, first + 50_000)):
            predicted = rng.uniform(5, 9)
            rows.append(
                forecast_row(
                    store,
                    "",
                    5,
                    round(predicted, 2),
                    group=rng.choice(GROUPS),
                    version=VERSIONS[n % 2],
                    created_at=start + timedelta(microseconds=n),
                    student_key=store.student_key(f"b{n}"),
                    risk_below=7.0 if n % 3 == 0 else None,
                    risk_probability=0.3 if n % 3 == 0 else None,
                )
            )
        insert_forecasts(store, rows)
    # Outcomes for the even half, through the function POST /outcomes calls (no HTTP: the
    # filling is not what is timed).
    for first in range(0, count, 2 * OUTCOMES_PER_REQUEST):
        grades = [
            RealGrade(f"b{n}", 5, round(rng.uniform(5, 9), 2))
            for n in range(first, min(count, first + 2 * OUTCOMES_PER_REQUEST), 2)
        ]
        record_outcomes(store, grades)


def median_seconds(call: Any, rounds: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def measure(store: Store, forecasts: int, rounds: int) -> dict[str, Any]:
    settings = Settings(
        _env_file=None, model_path=ROOT / "models" / "cgpa_rnn.pt", log_level="warning"
    )
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.service.store = store
        started = time.perf_counter()
        fill(store, forecasts)
        filled = time.perf_counter() - started
        batch = 0

        def post_outcomes() -> None:
            nonlocal batch
            batch += 1
            items = [
                {"student_id": f"bench-{batch}-{n}", "semester": 5, "grade": 7.25}
                for n in range(OUTCOMES_PER_REQUEST)
            ]
            reply = client.post("/outcomes", json={"outcomes": items})
            assert reply.status_code == 200, reply.text

        def get_monitoring() -> None:
            reply = client.get("/monitoring")
            assert reply.status_code == 200, reply.text

        outcomes_median, outcomes_times = median_seconds(post_outcomes, rounds)
        monitoring_median, monitoring_times = median_seconds(get_monitoring, rounds)
        overall = client.get("/monitoring").json()["overall"]
    return {
        "forecasts": overall["forecasts"],
        "outcomes_with_forecast": overall["outcomes"],
        "fill_seconds": round(filled, 1),
        "post_outcomes_10000_seconds_median": round(outcomes_median, 3),
        "post_outcomes_10000_seconds": [round(t, 3) for t in outcomes_times],
        "get_monitoring_seconds_median": round(monitoring_median, 3),
        "get_monitoring_seconds": [round(t, 3) for t in monitoring_times],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forecasts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default=POSTGRES_SERVER)
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "targets": {"post_outcomes_10000_seconds": 1.0, "get_monitoring_seconds": 1.0},
    }
    postgres = None if arguments.no_postgres else arguments.postgres
    for name in ("sqlite", "postgresql"):
        if name == "postgresql" and not postgres:
            continue
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                results[name] = measure(
                    sqlite_store(Path(folder)), arguments.forecasts, arguments.rounds
                )
        else:
            assert postgres is not None
            with postgres_store(postgres) as store:
                results[name] = measure(store, arguments.forecasts, arguments.rounds)
        print(name, json.dumps(results[name]), flush=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
