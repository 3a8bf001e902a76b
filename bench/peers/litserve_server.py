"""The checkpoint behind LitServe: POST /predict with the service's JSON body and answer shape.

Run by `python -m bench.peers` with .peers/litserve/bin/python (LitServe 0.2.19, torch 2.13.0):
    python bench/peers/litserve_server.py --port 8001

Settings, and why (bench/peers/README.md has the long form):
- workers_per_device=1: one inference process, like the service's one worker; LitServe then
  runs one API-server process in front of it (num_api_servers defaults to the worker count);
- fast_queue=True: ZeroMQ between API server and worker, which LitServe's docs advise above
  ~100 requests/s (the default is multiprocessing queues);
- max_batch_size=1 (no batching): one forward pass is ~0.1 ms, far below any batch_timeout
  worth waiting, so batching only adds latency here;
- timeout=False: no per-request timeout bookkeeping; nothing here waits for long;
- log_level="warning", generate_client_file=False: no access log line and no client.py
  written into the working tree at start.
"""

from __future__ import annotations

import argparse

import litserve as ls
import peer_model
from fastapi import HTTPException


class CgpaAPI(ls.LitAPI):
    def setup(self, device: str) -> None:
        self.module = peer_model.load()

    def decode_request(self, request: dict) -> tuple[list[float], int | None]:
        # The checks a small server makes by hand; anything else reaches the model as sent.
        try:
            grades = [float(grade) for grade in request["grades"]]
            code = request.get("college_code")
            code = None if code is None else int(code)
        except (KeyError, TypeError, ValueError) as error:
            raise HTTPException(400, f"bad request: {error!r}") from error
        if not grades:
            raise HTTPException(400, "grades must not be empty")
        return grades, code

    def predict(self, x: tuple[list[float], int | None]) -> list[float]:
        grades, code = x
        return peer_model.forward(self.module, [grades], [code])[0]

    def encode_response(self, output: list[float]) -> dict:
        predicted, low, high = (round(value, 2) for value in output)
        return {
            "predicted_cgpa": predicted,
            "interval": {"low": low, "high": high, "level": peer_model.INTERVAL_LEVEL},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers-per-device", type=int, default=1)
    arguments = parser.parse_args()
    server = ls.LitServer(
        CgpaAPI(max_batch_size=1, api_path="/predict"),
        accelerator="cpu",
        workers_per_device=arguments.workers_per_device,
        timeout=False,
        fast_queue=True,
    )
    server.run(
        host="127.0.0.1", port=arguments.port, log_level="warning", generate_client_file=False
    )


if __name__ == "__main__":
    main()
