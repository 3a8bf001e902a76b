"""JSON log lines for the service's own loggers (`cgpa.*`), one object per line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    logger = logging.getLogger("cgpa")
    logger.setLevel(level.upper())
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False


class HideRefusedStartupTraceback(logging.Filter):
    """Starlette hands uvicorn the traceback of a refused startup. The reason was already
    logged as one line naming the file, so the traceback is noise and is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "StartupRefused" not in record.getMessage()


def hide_refused_startup_traceback() -> None:
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(item, HideRefusedStartupTraceback) for item in uvicorn_errors.filters):
        uvicorn_errors.addFilter(HideRefusedStartupTraceback())
