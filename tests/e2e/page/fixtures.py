"""What every browser test of the advisors' page shares: the browser, a keyed server, a page
opened with every off-server request blocked and every script error counted, and the few
steps a person takes on it.

A pytest plugin (each page test module names it in `pytest_plugins`), so that
tests/e2e/test_page.py, which `make screenshots` runs, and tests/e2e/page/ share one copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from harness.live_server import LiveServer
from tests.browser import launch
from tests.conftest import MODEL_PATH, TEST_API_KEY

DESKTOP = {"width": 1100, "height": 800}
PHONE = {"width": 375, "height": 740}
TALL_PHONE = {"width": 390, "height": 844}
FOUR_GRADES = ["7.1", "7.4", "7.9", "8.0"]
FOUR_VALUES = [float(grade) for grade in FOUR_GRADES]

CardEdit = Callable[[dict], dict]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[LiveServer]:
    environment = {"CGPA_MODEL_PATH": str(MODEL_PATH), "CGPA_API_KEY": TEST_API_KEY}
    with LiveServer.start(environment) as server:
        yield server


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., object]]:
    """Opens / on a server in a fresh browser context; afterwards, checks nothing left the
    machine and no script failed. `edit_card` rewrites the GET /model answer the page gets,
    to show that a text comes from the card and not from the page."""
    contexts = []
    blocked: list[str] = []
    problems: list[str] = []

    def open_on(
        server: LiveServer, viewport: dict[str, int] = DESKTOP, edit_card: CardEdit | None = None
    ):
        def only_this_server(route) -> None:
            if route.request.url.startswith(server.base_url):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        def edited_card(route) -> None:
            answer = route.fetch()
            route.fulfill(response=answer, body=json.dumps(edit_card(answer.json())))

        def note_policy_violations(message) -> None:
            if "Content Security Policy" in message.text:
                problems.append(message.text)

        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.route("**/*", only_this_server)
        if edit_card is not None:  # the later route wins for /model
            page.route(f"{server.base_url}/model", edited_card)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", note_policy_violations)
        page.goto(f"{server.base_url}/")
        # Settled once the model card has filled the form, or the key field has been shown.
        # (A locator, not wait_for_function: the page's policy rightly forbids eval.)
        page.locator("#model-version:not(:empty), #key-row:not([hidden])").first.wait_for()
        return page

    yield open_on
    for context in contexts:
        context.close()
    assert blocked == [], f"requests left the server under test: {blocked}"
    assert problems == [], f"script errors or policy violations: {problems}"


def model_card(server: LiveServer, key: str | None = None) -> dict:
    headers = {"X-API-Key": key} if key else {}
    answer = httpx.get(f"{server.base_url}/model", headers=headers, timeout=10)
    assert answer.status_code == 200
    return answer.json()


def api_post(server: LiveServer, path: str, body: dict, key: str | None = None) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return httpx.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=10)


def fill_grades(page, grades: list[str]) -> None:
    for index, grade in enumerate(grades):
        page.fill(f"#grade-{index}", grade)


def predict_from_form(page, grades: list[str], college: str = "", cutoff: str | None = None):
    """Fills the form, presses Predict; returns the JSON body the page sent."""
    fill_grades(page, grades)
    page.select_option("#college", college)
    if cutoff is not None:
        page.fill("#cutoff", cutoff)
    with page.expect_request("**/predict") as sent:
        page.click("#predict-button")
    page.locator("#result-body").wait_for(state="visible")
    return sent.value.post_data_json


def shown_forecast(page) -> str:
    return page.locator("#predicted-cgpa").inner_text()


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def upload(page, path: Path, cutoff: str | None = None, succeeds: bool = True) -> None:
    """Chooses the file, sets the batch cut-off, presses the button; waits for the results
    when they are expected."""
    page.set_input_files("#csv-file", str(path))
    if cutoff is not None:
        page.fill("#batch-cutoff", cutoff)
    page.click("#batch-button")
    if succeeds:
        page.locator("#batch-download").wait_for(state="visible")
