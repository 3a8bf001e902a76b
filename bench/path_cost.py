"""What a path costs (#27 part 2): a 1000-student POST /predict/batch where every student asks
for `path` and `final_below`, against the same batch plain, over HTTP to a real uvicorn.

The two bodies are posted in interleaved rounds (plain, path, plain, path, ...) so that a
change in the machine's load hits both alike; the medians and their ratio are reported (the
issue's target: at most 3x). `make bench` runs it against its service; alone:

    python -m bench.path_cost [--model models/cgpa_rnn.pt] [--requests 30]

prints the row as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import httpx

from app.model.card import ModelCard
from app.model.predictor import card_path_for

STUDENTS = 1000


def batch_bodies(card: ModelCard, students: int = STUDENTS) -> tuple[dict, dict]:
    """The plain batch and the same students asking for a path and the final risk."""
    rng = random.Random(27)
    codes = list(card.group.codes)
    low, high = card.scale
    plain = []
    for _ in range(students):
        length = rng.randint(card.min_history, card.max_history)
        student: dict = {"grades": [round(rng.uniform(low, high), 2) for _ in range(length)]}
        if codes and rng.random() < 0.8:
            student["college_code"] = rng.choice(codes)
        plain.append(student)
    cutoff = round(low + (high - low) * 0.6, 2)
    pathed = [{**student, "path": True, "final_below": cutoff} for student in plain]
    return {"students": plain}, {"students": pathed}


def measure(base_url: str, card: ModelCard, requests: int = 30) -> dict:
    """Median and max latency of each batch, interleaved, and the ratio of the medians."""
    plain, pathed = batch_bodies(card)
    seconds: dict[str, list[float]] = {"plain": [], "path": []}
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for body in (plain, pathed):  # warm-up
            http.post("/predict/batch", json=body).raise_for_status()
        for _ in range(requests):
            for name, body in (("plain", plain), ("path", pathed)):
                started = time.perf_counter()
                http.post("/predict/batch", json=body).raise_for_status()
                seconds[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) * 1000 for name, values in seconds.items()}
    return {
        "students_per_request": STUDENTS,
        "requests_each": requests,
        "plain_median_ms": round(medians["plain"], 1),
        "path_median_ms": round(medians["path"], 1),
        "plain_max_ms": round(max(seconds["plain"]) * 1000, 1),
        "path_max_ms": round(max(seconds["path"]) * 1000, 1),
        "ratio": round(medians["path"] / medians["plain"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    from bench.servers import started  # the server harness only when run alone

    parser = argparse.ArgumentParser(prog="python -m bench.path_cost", description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/cgpa_rnn.pt"))
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args(argv)
    card = ModelCard.read(card_path_for(arguments.model))
    environment = {"CGPA_MODEL_PATH": str(arguments.model), "CGPA_API_KEY": ""}
    with started("service", environment) as server:
        row = measure(server.server.base_url, card, arguments.requests)
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
