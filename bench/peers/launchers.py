"""How each server of `make bench-peers` is started and stopped: LiveServer subclasses.

`bench.servers.started_launcher` times them to ready and samples their memory, as it does
for the service. Two things differ from the service's LiveServer: each peer answers readiness
on its own route, and LitServe's child processes outlive a SIGTERM to its main process, so
`stop` ends the whole tree (the processes this benchmark started, found by their parent).
"""

from __future__ import annotations

from pathlib import Path

import psutil

from harness.live_server import ROOT, LiveServer

PEERS_DIR = ROOT / ".peers"
HERE = Path(__file__).resolve().parent


def peer_python(name: str) -> Path:
    return PEERS_DIR / name / "bin" / "python"


class TreeServer(LiveServer):
    """LiveServer whose stop leaves no child process behind."""

    def stop(self) -> int:
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        code = super().stop()
        for child in children:
            # psutil checks the start time too, so a reused pid is never signalled.
            if child.is_running():
                child.terminate()
        _, alive = psutil.wait_procs(children, timeout=10)
        for child in alive:
            child.kill()
        return code


class LitServeServer(TreeServer):
    ready_path = "/health"  # 200 once every inference worker has run setup()

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return [str(peer_python("litserve")), str(HERE / "litserve_server.py"), "--port", str(port)]


class KServeServer(TreeServer):
    ready_path = "/v2/health/ready"  # the server starts only once the model is loaded

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return [
            str(peer_python("kserve")), str(HERE / "kserve_server.py"), "--http_port", str(port),
        ]  # fmt: skip


class TwoWorkerService(TreeServer):
    """The service as `WEB_CONCURRENCY=2 python -m app` starts it: uvicorn with 2 workers."""

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return LiveServer.command(port, workers=2)
