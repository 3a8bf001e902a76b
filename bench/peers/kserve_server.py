"""The checkpoint behind KServe's Python ModelServer: v1 and v2 (Open Inference Protocol).

Run by `python -m bench.peers` with .peers/kserve/bin/python (KServe 0.21.0, torch 2.13.0):
    python bench/peers/kserve_server.py --http_port 8002
- v1: POST /v1/models/cgpa_rnn:predict {"instances": [{"grades": [...], "college_code": 165}]}
  answers {"predictions": [{"predicted_cgpa", "interval": {"low", "high", "level"}}]};
- v2: POST /v2/models/cgpa_rnn/infer with inputs grades FP32 [batch, history] and optional
  college_code INT64 [batch] (-1 for none); outputs predicted_cgpa, interval_low and
  interval_high, FP32 [batch], the names and types the service's own v2 route gives.

Settings, and why (bench/peers/README.md has the long form): workers=1 (one process, like the
service's one worker); gRPC off (nothing here speaks it, and its server threads would share
the two cores); no per-request latency log line and no uvicorn access log (the service's
fastest configuration has none either; KServe's timing middleware still runs, it cannot be
turned off); uvloop, KServe's default where installed.
"""

from __future__ import annotations

import argparse
import logging
import math

import kserve
import peer_model
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferOutput, InferRequest, InferResponse
from kserve.utils.utils import generate_uuid

MODEL_NAME = "cgpa_rnn"
OUTPUTS = ("predicted_cgpa", "interval_low", "interval_high")


class CgpaModel(kserve.Model):
    def load(self) -> bool:
        self.module = peer_model.load()
        self.ready = True
        return self.ready

    def predict(self, payload: dict | InferRequest, headers: dict | None = None):
        if isinstance(payload, InferRequest):
            return self._infer_v2(payload)
        try:
            instances = payload["instances"]
            histories = [[float(g) for g in instance["grades"]] for instance in instances]
            colleges = [instance.get("college_code") for instance in instances]
            colleges = [None if code is None else int(code) for code in colleges]
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidInput(f"bad instances: {error!r}") from error
        if not histories or not all(histories):
            raise InvalidInput("instances and their grades must not be empty")
        rows = peer_model.forward(self.module, histories, colleges)
        return {"predictions": [_answer(row) for row in rows]}

    def _infer_v2(self, request: InferRequest) -> InferResponse:
        grades = request.get_input_by_name("grades")
        if grades is None or len(grades.shape) != 2 or 0 in grades.shape:
            raise InvalidInput("grades: an FP32 tensor of shape [batch, history] is required")
        histories = grades.as_numpy().astype("float64").tolist()
        codes = request.get_input_by_name("college_code")
        colleges = [None] * len(histories)
        if codes is not None:
            given = [int(code) for code in codes.as_numpy().tolist()]
            colleges = [None if code == peer_model.NO_COLLEGE else code for code in given]
        rows = peer_model.forward(self.module, histories, colleges)
        outputs = [
            InferOutput(name, [len(rows)], "FP32", [row[column] for row in rows])
            for column, name in enumerate(OUTPUTS)
        ]
        # The protocol's answer must carry an id: the request's, or a new one (as KServe's own
        # model servers do).
        return InferResponse(request.id or generate_uuid(), self.name, outputs)


def _answer(row: list[float]) -> dict:
    predicted, low, high = (round(value, 2) if math.isfinite(value) else value for value in row)
    return {
        "predicted_cgpa": predicted,
        "interval": {"low": low, "high": high, "level": peer_model.INTERVAL_LEVEL},
    }


def main() -> None:
    # KServe reads its own flags from sys.argv at import; --http_port is one of them.
    parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
    arguments = parser.parse_args()
    model = CgpaModel(MODEL_NAME)
    model.load()
    server = kserve.ModelServer(
        http_port=arguments.http_port,
        workers=1,
        enable_grpc=False,
        enable_latency_logging=False,
    )
    # KServe logs every request twice at INFO: uvicorn's access line, and its timing
    # middleware's lines on kserve.trace (that middleware cannot be turned off; its output can).
    for name in ("uvicorn.access", "kserve.trace"):
        logging.getLogger(name).setLevel(logging.WARNING)
    server.start([model])


if __name__ == "__main__":
    main()
