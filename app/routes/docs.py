"""/docs, /docs/oauth2-redirect and /redoc: the API's docs pages, served from the package
(fastapi-offline's copies of Swagger UI and ReDoc, under /static-offline-docs), each with a
Content-Security-Policy as strict as its scripts allow.

Each page is rendered once, when the app is built, and its inline scripts are allowed by
their sha256 only, so an injected script runs nowhere. What each page still needs, found
in headless Chromium (tests/e2e/test_docs_browser.py fails on any violation): Swagger UI
draws its icons as data: images; ReDoc styles its page with <style> elements it writes at
run time (styled-components), so its style-src allows inline styles, and it searches in a
worker it starts from a blob: URL. None of them may be framed (`frame-ancestors 'none'`).
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import HTMLResponse, Response

DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
STATIC_URL = "/static-offline-docs"  # where fastapi-offline mounts its files
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
ALWAYS = (
    "default-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
)


def inline_script_hashes(html: str) -> str:
    """`'sha256-...'` for each inline <script> of `html`, as CSP's script-src takes them."""
    digests = [hashlib.sha256(script.encode()).digest() for script in INLINE_SCRIPT.findall(html)]
    return " ".join(f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests)


def with_policy(page: HTMLResponse, *directives: str) -> HTMLResponse:
    html = bytes(page.body).decode()
    scripts = f"script-src 'self' {inline_script_hashes(html)}".rstrip()
    policy = "; ".join([*ALWAYS, scripts, *directives])
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(html, headers=headers)


def router(title: str, openapi_url: str) -> APIRouter:
    swagger = with_policy(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
        ),
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
    )
    oauth2_redirect = with_policy(get_swagger_ui_oauth2_redirect_html())
    redoc = with_policy(
        get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        ),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src blob:",
    )
    docs = APIRouter(include_in_schema=False)

    # Rendered once, above: a response sends the same bytes and headers each time it is called.
    @docs.get(DOCS_URL)
    async def swagger_ui() -> Response:
        return swagger

    @docs.get(OAUTH2_REDIRECT_URL)
    async def swagger_ui_redirect() -> Response:
        return oauth2_redirect

    @docs.get(REDOC_URL)
    async def redoc_html() -> Response:
        return redoc

    return docs
