"""uvicorn's worker supervisor, with the model signals forwarded to every worker.

uvicorn's own answer to SIGHUP is to replace its workers one by one. Here a SIGHUP (reload)
or SIGUSR2 (roll back) to the supervisor reaches every worker instead, and each swaps its
model in place (app/model/control.py): no process restart, no connection lost, and each
worker keeps its previous model for a rollback. A worker asked over HTTP signals the
supervisor (its pid is `CGPA_SUPERVISOR_PID`), so all workers act on every request alike.
"""

from __future__ import annotations

import logging
import os
import signal
from contextlib import suppress

from uvicorn.supervisors.multiprocess import Multiprocess

logger = logging.getLogger("uvicorn.error")


class ModelSignalSupervisor(Multiprocess):
    def handle_hup(self) -> None:
        logger.info("Received SIGHUP, every worker reloads its model.")
        self._forward(signal.SIGHUP)

    def handle_usr2(self) -> None:
        logger.info("Received SIGUSR2, every worker rolls back its model.")
        self._forward(signal.SIGUSR2)

    def _forward(self, number: int) -> None:
        for process in self.processes:
            if process.pid is not None:
                with suppress(ProcessLookupError):  # a worker being replaced right now
                    os.kill(process.pid, number)
