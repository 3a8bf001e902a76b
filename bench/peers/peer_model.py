"""The checkpoint as a peer server loads it: torch only, nothing from the project.

Both peer servers (litserve_server.py, kserve_server.py) run in their own virtualenvs under
.peers/, where the project is not installed; so this file imports nothing but torch, and they
find it beside them on sys.path (Python puts a script's folder first).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

MODEL_PATH = Path(
    os.environ.get("CGPA_MODEL_PATH", Path(__file__).resolve().parents[2] / "models/cgpa_rnn.pt")
)
NO_COLLEGE = -1  # the wire's "no college given"; also the module's unknown-group index
INTERVAL_LEVEL = 0.9  # the card's interval level, as the service reports it
# The module takes each code's position in the card's codes (-1: none or unknown), as the
# service passes it; read straight from the card, which is JSON.
GROUP_INDEX = {
    code: index
    for index, code in enumerate(
        json.loads(MODEL_PATH.with_suffix(".json").read_text())["group"]["codes"]
    )
}


def load(path: Path = MODEL_PATH) -> torch.jit.ScriptModule:
    # One torch thread, as the service runs: the forward pass of one student is ~100 µs, and
    # more threads only fight the HTTP side for the machine's two cores.
    torch.set_num_threads(1)
    return torch.jit.load(str(path), map_location="cpu").eval()


def forward(
    module: torch.jit.ScriptModule, histories: list[list[float]], colleges: list[int | None]
) -> list[list[float]]:
    """[[predicted, low, high], ...], one row per history; histories right-padded with zeros
    (the module reads each row only up to its length)."""
    longest = max(map(len, histories))
    grades = torch.tensor(
        [[float(g) for g in history] + [0.0] * (longest - len(history)) for history in histories],
        dtype=torch.float64,
    )
    lengths = torch.tensor([len(history) for history in histories], dtype=torch.int64)
    codes = torch.tensor(
        [GROUP_INDEX.get(code, NO_COLLEGE) for code in colleges], dtype=torch.int64
    )
    with torch.inference_mode():
        return module(grades, lengths, codes).tolist()
