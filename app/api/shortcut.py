"""A shortcut to the prediction routes past FastAPI's routing (`create_app(route_shortcut=)`).

FastAPI's exception middleware, router matching and per-route request wrapper cost more
than the forward pass of a small model (`python -m bench.compare`: "one path through
FastAPI's routing"). For the few exact paths it knows, this pure-ASGI middleware calls the
route's own endpoint function directly, so the answer is the same by construction: there
is no second implementation, only a second way to reach the one. Any other request goes on
to FastAPI untouched. It sits inside RequestContextMiddleware, so request ids, metrics and
the access log apply alike.

Calling the endpoint directly skips what FastAPI would resolve for it: dependencies, query,
header, cookie and body parameters. An endpoint that declares any of them (beyond the path
parameters the table supplies and the documentation-only key, which resolves to nothing the
endpoint reads) would be called without them, so it is refused when the app is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.security import documented_key

# Dependencies that only document (the padlock on a guarded route): skipping them changes
# nothing, since the request path checks the key itself.
DOCUMENTATION_ONLY = (documented_key,)


class ShortcutRefused(ValueError):
    """An endpoint the shortcut would call without something FastAPI resolves for it."""


def refuse_unless_direct(route: APIRoute, parameters: Mapping[str, str]) -> None:
    """ShortcutRefused, naming the endpoint, unless calling it with the request and
    `parameters` is all FastAPI would do."""
    dependant = route.dependant
    skipped = [
        f"dependency {getattr(dependency.call, '__name__', repr(dependency.call))}"
        for dependency in dependant.dependencies
        if dependency.call not in DOCUMENTATION_ONLY
    ]
    for kind, declared in (
        ("query", dependant.query_params),
        ("header", dependant.header_params),
        ("cookie", dependant.cookie_params),
        ("body", dependant.body_params),
    ):
        skipped += [f"{kind} parameter {parameter.name}" for parameter in declared]
    path_parameters = {parameter.name for parameter in dependant.path_params}
    if path_parameters != set(parameters):
        skipped.append(f"path parameters {sorted(path_parameters)} (given {sorted(parameters)})")
    if skipped:
        raise ShortcutRefused(
            f"the route shortcut cannot call {route.name} ({route.path}) directly: it would "
            f"skip its {', '.join(skipped)}"
        )


Shortcuts = dict[str, tuple[APIRoute, dict[str, str]]]


def shortcut_table(routes: Iterable[tuple[APIRoute, Mapping[str, str]]]) -> Shortcuts:
    """The exact path of each POST route with the path parameters it is shortcut for (the
    path they spell) -> the route and those parameters. ShortcutRefused, naming the endpoint,
    for a route the shortcut would call without something FastAPI resolves for it."""
    table: Shortcuts = {}
    for route, parameters in routes:
        refuse_unless_direct(route, parameters)
        table[route.path.format(**parameters)] = (route, dict(parameters))
    return table


class RouteShortcut:
    def __init__(self, app: ASGIApp, table: Shortcuts) -> None:
        """`table`: from `shortcut_table`, built (and so checked) when the app is created."""
        self.app = app
        self.table = table

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
