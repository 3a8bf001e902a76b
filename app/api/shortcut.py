"""A shortcut to the prediction routes past FastAPI's routing (`create_app(route_shortcut=)`).

FastAPI's exception middleware, router matching and per-route request wrapper cost more
than the forward pass of a small model (`python -m bench.compare`: "one path through
FastAPI's routing"). For the few exact paths it knows, this pure-ASGI middleware calls the
route's own endpoint function directly, so the answer is the same by construction: there
is no second implementation, only a second way to reach the one. Any other request goes on
to FastAPI untouched. It sits inside RequestContextMiddleware, so request ids, metrics and
the access log apply alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send


class RouteShortcut:
    def __init__(self, app: ASGIApp, routes: Iterable[tuple[APIRoute, Mapping[str, str]]]) -> None:
        """`routes`: each POST route with the path parameters it is shortcut for (the path
        they spell is the one matched)."""
        self.app = app
        self.table = {
            route.path.format(**parameters): (route, dict(parameters))
            for route, parameters in routes
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hit = self.table.get(scope["path"]) if scope["type"] == "http" else None
        if hit is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        route, parameters = hit
        scope["route"] = route  # the metrics label is the route template
        scope["path_params"] = parameters
        response = await route.endpoint(Request(scope, receive), **parameters)
        await response(scope, receive, send)
