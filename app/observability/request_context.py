"""One pure-ASGI middleware for what every request needs: a request id, an access log line
and the HTTP metrics.

Pure ASGI rather than `BaseHTTPMiddleware`: the latter costs a task and a stream copy per
request, which is a large share of the budget for a model that answers in microseconds.
"""

from __future__ import annotations

import re
import secrets
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.access_log import AccessLog
from app.observability.metrics import Metrics

# A client's own request id is echoed only if it is short and plain, so it cannot inject
# anything into logs or headers.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, access_log: AccessLog) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        # `.labels(...)` looks its child up under a lock on every call; the combinations are
        # few (templates, not raw paths), so each child is looked up once and kept.
        self._metric_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        route = scope.get("route")
        # Templates, not raw paths, keep label cardinality bounded against scanners.
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        children = self._metric_children.get((template, method, status))
        if children is None:
            children = (
                self.metrics.requests.labels(template, method, str(status)),
                self.metrics.latency.labels(template),
            )
            self._metric_children[(template, method, status)] = children
        requests, latency = children
        requests.inc()
        latency.observe(seconds)
        if self.access_log.enabled():
            self.access_log.write(
                method=method,
                route=template,
                path=scope["path"],
                status=status,
                seconds=seconds,
                request_id=request_id,
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
            break
    # 32 random hex digits, like uuid4().hex but without building a UUID object.
    return secrets.token_hex(16)
