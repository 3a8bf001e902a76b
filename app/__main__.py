"""`python -m app`: serve `app.main:app` with uvicorn, exiting 0 after a graceful SIGTERM.

uvicorn handles SIGTERM gracefully (stop accepting, finish in-flight requests, run the
lifespan shutdown) and then re-raises the signal so the previous handler runs; with the
default handler that kills the process with status -15, which orchestrators and the
reliability tests read as a crash. Installing a no-op handler first makes that re-raise
harmless, so a clean stop exits 0 and a failed startup still exits non-zero.

The connection limits (app/server/) apply here, in every worker: uvicorn gets the protocol
that enforces the ones only a connection can (the header timeout, unfinished headers), and
its own keep-alive timeout from the settings; the others live in the app.

With several workers the supervisor is uvicorn's, with SIGHUP (reload the model) and SIGUSR2
(roll it back) forwarded to every worker (app/server/supervisor.py); the workers learn its
pid from CGPA_SUPERVISOR_PID, so that an admin request reaches all of them.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from app.config import get_settings
from app.server.protocol import LimitedHttpToolsProtocol
from app.server.supervisor import ModelSignalSupervisor


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "1")),
        help="uvicorn worker processes (default: $WEB_CONCURRENCY or 1)",
    )
    arguments = parser.parse_args()
    settings = get_settings()
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    config = uvicorn.Config(
        "app.main:app",
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        # The service writes its own JSON access line (without the grades).
        access_log=False,
        http=LimitedHttpToolsProtocol,
        timeout_keep_alive=settings.keep_alive_timeout,
    )
    if config.workers > 1:
        os.environ["CGPA_SUPERVISOR_PID"] = str(os.getpid())  # inherited by every worker
        ModelSignalSupervisor(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
