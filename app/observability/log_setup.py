"""JSON log lines for the service's own loggers (`cgpa.*`), one object per line."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import orjson

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class UtcTimestamps:
    """ISO 8601 UTC timestamps with milliseconds. They are made once per log line, so the
    date part is formatted once per second and reused."""

    def __init__(self) -> None:
        self._second = -1
        self._second_text = ""

    def format(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second = second
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._second_text}.{int((created - second) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per record (orjson). The access log writes the same layout itself
    (app/observability/access_log.py)."""

    def __init__(self) -> None:
        super().__init__()
        self._timestamps = UtcTimestamps()

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self._timestamps.format(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str) -> None:
    logger = logging.getLogger("cgpa")
    logger.setLevel(level.upper())
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False
    # The service writes its own access line (app/observability/access_log.py). uvicorn's own, on by
    # default under `uvicorn app.main:app`, would add a second, slower line per request.
    logging.getLogger("uvicorn.access").disabled = True


class HideRefusedStartupTraceback(logging.Filter):
    """Starlette hands uvicorn the traceback of a refused startup. The reason was already
    logged as one line naming the file, so the traceback is noise and is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "StartupRefused" not in record.getMessage()


def hide_refused_startup_traceback() -> None:
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(item, HideRefusedStartupTraceback) for item in uvicorn_errors.filters):
        uvicorn_errors.addFilter(HideRefusedStartupTraceback())
