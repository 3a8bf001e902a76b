"""`HeadAsGet`: HEAD wherever GET is, as a pure ASGI middleware.

RFC 9110 9.3.2: HEAD is GET without the body, with the same headers. Starlette's plain
routes and static files answer it, FastAPI's routes (every `@router.get`, the docs pages)
answer 405. So a HEAD request is passed on as a GET and the body of its answer dropped,
its headers (Content-Length included) kept. A route that takes only POST still answers
405, since it takes no GET either.

It sits inside `RouteShortcut` (app/api/shortcut.py), which answers only POST: the
prediction routes never pass through it. Other scope types pass straight through.
"""

from __future__ import annotations

from app.server.refusals import App, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # nothing of the body is sent; only its end
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy, so the middleware outside (the access log, the metrics) still sees HEAD;
        # the route the router matches is written into the copy, and is handed back to it.
        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, headers_only)
        finally:
            if "route" in as_get:
                scope["route"] = as_get["route"]
