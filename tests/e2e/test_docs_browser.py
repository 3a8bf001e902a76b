"""/docs renders in headless Chromium with every request off this machine blocked."""

from __future__ import annotations

from harness.live_server import LiveServer
from tests.browser import launch, needs_chromium

pytestmark = needs_chromium


def test_docs_page_lists_operations_offline(live_server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_this_server(route) -> None:
        if route.request.url.startswith(live_server.base_url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.route("**/*", only_this_server)
            page.goto(f"{live_server.base_url}/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            browser.close()
    assert "/predict" in paths and "/predict/batch" in paths and "/health/ready" in paths
    assert blocked == []
