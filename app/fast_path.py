"""The fast way to a prediction, tried before FastAPI's own middleware and routing.

A well-formed POST /predict or /predict/batch is answered here by the route's fast answer
(app/routes/predict.py). FastAPI's stack in between (exception and exit-stack middleware,
telemetry, router matching, the route's wrappers) cost more than the forward pass itself.
Answering before it rather than inside the route took the service from 0.69x to 0.81x of
the bare app at 8 connections and from 0.70x to 1.14x at 64 (`python -m bench.compare`,
both builds in one run, 2026-11-27).

Any request the fast answer declines goes on to FastAPI unchanged: what it read of the body
is replayed, and an error met while reading (the body limit) is met again by the plain way,
which owns every error answer. A client that hung up gets the app's 499 here (FastAPI's body
parser would turn the hang-up into a 400). It sits inside
RequestContextMiddleware, so request ids, the body limit, metrics and the access log apply.
"""

from __future__ import annotations

from collections import deque

from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import StrictJSONRequest, client_gone
from app.routes import predict


class FastPathMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Exact paths only: under a path prefix the routes still work, the plain way.
        self.routes = {
            route.path: route
            for route in predict.router.routes
            if isinstance(route, APIRoute) and "POST" in route.methods
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        # Looked up per request, so a test or a benchmark variant can swap the answers.
        answer = predict.FAST_ANSWERS.get(route.name) if route is not None else None
        if answer is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        recorded = RecordedReceive(receive)
        request = StrictJSONRequest(scope, recorded)
        try:
            response = await answer(request)
        except HTTPException:
            response = None  # met again, and answered, by the plain way
        except ClientDisconnect as gone:
            response = await client_gone(request, gone)
        if response is None:
            await self.app(scope, recorded.replay(), send)
            return
        scope["route"] = route  # the metrics label answers by route template
        await response(scope, receive, send)


class RecordedReceive:
    """A `receive` that keeps what it hands out, to hand it out again to the plain way."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.messages: list[Message] = []
        self.error: Exception | None = None

    async def __call__(self) -> Message:
        try:
            message = await self.receive()
        except Exception as error:  # e.g. BodyTooLarge from the body limit
            self.error = error
            raise
        self.messages.append(message)
        return message

    def replay(self) -> Receive:
        pending = deque(self.messages)
        error = self.error

        async def replayed() -> Message:
            if pending:
                return pending.popleft()
            if error is not None:
                raise error
            return await self.receive()

        return replayed
