"""/docs and /redoc render in headless Chromium with every request off this machine blocked,
and under their Content-Security-Policy (app/routes/docs.py) without a single violation of
it: a policy too strict for the pages' own scripts, styles, images or workers fails here."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.live_server import LiveServer
from tests.browser import launch, needs_chromium

pytestmark = needs_chromium

# Each violation of the page's policy, as "directive blocked-uri", kept by the page itself.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def visit(live_server: LiveServer, path: str, use: Callable) -> tuple[list[str], list[str]]:
    """Opens `path`, lets `use(page)` work it, and returns the policy's violations and the
    requests off this machine that were blocked."""
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
            page.add_init_script(WATCH_VIOLATIONS)
            page.goto(f"{live_server.base_url}{path}")
            use(page)
            page.wait_for_timeout(500)  # a violation is reported asynchronously
            violations = page.evaluate("window.cspViolations")
        finally:
            browser.close()
    return violations, blocked


def test_docs_page_lists_operations_offline_within_its_policy(live_server: LiveServer) -> None:
    paths: list[str] = []

    def try_an_operation(page) -> None:
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths.extend(page.locator(".opblock-summary-path").all_inner_texts())
        page.locator(".opblock-summary").first.click()
        page.locator("button.try-out__btn").first.click()
        page.locator("button.execute").first.click()  # a request to this server
        page.wait_for_selector(".live-responses-table", timeout=15_000)

    violations, blocked = visit(live_server, "/docs", try_an_operation)
    assert "/predict" in paths and "/predict/batch" in paths and "/health/ready" in paths
    assert violations == []
    assert blocked == []


def test_redoc_renders_and_searches_within_its_policy(live_server: LiveServer) -> None:
    def search(page) -> None:
        page.wait_for_selector("h1", timeout=15_000)
        page.fill("input[placeholder='Search...']", "predict")  # runs in a blob: worker
        results = page.locator("[data-role='search:results']")
        results.get_by_text("Forecast one student").wait_for(timeout=15_000)

    violations, blocked = visit(live_server, "/redoc", search)
    # ReDoc links its vendor's logo from a CDN; the policy is what keeps it off the page.
    assert [v for v in violations if not v.startswith("img-src https://cdn.redoc.ly/")] == []
    assert blocked == []


def test_the_oauth2_redirect_page_runs_its_script_within_its_policy(
    live_server: LiveServer,
) -> None:
    violations, _ = visit(live_server, "/docs/oauth2-redirect", lambda page: None)
    assert violations == []


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_docs_pages_may_not_be_framed_or_run_other_scripts(
    live_server: LiveServer, path: str
) -> None:
    import httpx

    policy = httpx.get(live_server.base_url + path).headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
