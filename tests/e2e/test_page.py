"""The advisors' page at / in headless Chromium, against a real uvicorn server.

Every request the page makes to anywhere but the server under test is blocked and counted, and
so is every script error or Content-Security-Policy complaint: each test ends by asserting
there were none. Expected numbers always come from the API itself, never from this file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.api.security import MISSING_KEY, WRONG_KEY
from harness.live_server import LiveServer
from tests.browser import launch, needs_chromium
from tests.conftest import MODEL_PATH, ROOT, TEST_API_KEY

pytestmark = needs_chromium

DESKTOP = {"width": 1100, "height": 800}
PHONE = {"width": 375, "height": 740}
FOUR_GRADES = ["7.1", "7.4", "7.9", "8.0"]
FOUR_VALUES = [float(grade) for grade in FOUR_GRADES]


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
    machine and no script failed."""
    contexts = []
    blocked: list[str] = []
    problems: list[str] = []

    def open_on(server: LiveServer, viewport: dict[str, int] = DESKTOP):
        def only_this_server(route) -> None:
            if route.request.url.startswith(server.base_url):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        def note_policy_violations(message) -> None:
            if "Content Security Policy" in message.text:
                problems.append(message.text)

        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.route("**/*", only_this_server)
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


def api_post(server: LiveServer, path: str, body: dict, key: str | None = None) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return httpx.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=10)


def fill_grades(page, grades: list[str]) -> None:
    for index, grade in enumerate(grades):
        page.fill(f"#grade-{index}", grade)


def predict_from_form(page, grades: list[str], college: str = "") -> None:
    fill_grades(page, grades)
    page.select_option("#college", college)
    page.click("#predict-button")
    page.locator("#result-body").wait_for(state="visible")


def shown_forecast(page) -> str:
    return page.locator("#predicted-cgpa").inner_text()


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_page_and_its_assets_are_served_with_a_same_origin_policy(
    live_server: LiveServer,
) -> None:
    response = httpx.get(f"{live_server.base_url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for asset in ("page.js", "chart.js", "csv.js", "history.js", "page.css", "favicon.svg"):
        assert httpx.get(f"{live_server.base_url}/static/{asset}", timeout=10).status_code == 200
    assert "http://" not in response.text and "https://" not in response.text


def test_four_grades_show_the_apis_forecast_in_words_and_on_a_chart(
    live_server: LiveServer, open_page
) -> None:
    expected = api_post(live_server, "/predict", {"grades": FOUR_VALUES, "college_code": 165})
    assert expected.status_code == 200
    answer = expected.json()

    page = open_page(live_server)
    assert page.locator("#key-row").is_hidden()
    predict_from_form(page, FOUR_GRADES, college="165")

    assert shown_forecast(page) == f"{answer['predicted_cgpa']:.2f}"
    exact = page.locator("#predicted-cgpa").get_attribute("data-value")
    assert float(exact) == answer["predicted_cgpa"]
    assert page.locator("#result-semester").inner_text() == str(answer["semester"])
    words = page.locator("#result-words").inner_text()
    assert f"{answer['interval']['low']:.2f}" in words
    assert f"{answer['interval']['high']:.2f}" in words
    assert f"{round(answer['interval']['level'] * 100)}%" in words

    # The chart: four past points rising left to right (SVG y grows downwards), one forecast
    # point, and an error bar whose ends are the interval's.
    heights = [float(y) for y in page.locator(".history-point").evaluate_all(
        "points => points.map(p => p.getAttribute('cy'))")]  # fmt: skip
    assert len(heights) == 4 and heights == sorted(heights, reverse=True)
    assert page.locator(".prediction-point").count() == 1
    bar = page.locator(".interval-bar")
    assert float(bar.get_attribute("data-low")) == answer["interval"]["low"]
    assert float(bar.get_attribute("data-high")) == answer["interval"]["high"]
    low_end, high_end = bar.locator("line").first.evaluate(
        "line => [line.y1.baseVal.value, line.y2.baseVal.value]"
    )
    assert low_end > high_end


@pytest.mark.parametrize("typed", ["12", "seven"])
def test_an_invalid_grade_shows_the_apis_message_beside_its_field(
    live_server: LiveServer, open_page, typed: str
) -> None:
    page = open_page(live_server)
    fill_grades(page, ["7.1", "7.4", typed, "8.0"])
    page.click("#predict-button")
    message = page.locator("#grade-2-error")
    message.wait_for(state="visible")

    # What the page sent for a number is the number, for anything else the text as typed.
    sent = float(typed) if typed[0].isdigit() else typed
    answer = api_post(live_server, "/predict", {"grades": [7.1, 7.4, sent, 8.0]})
    assert answer.status_code == 422
    (detail,) = answer.json()["detail"]
    assert detail["field"] == "grades[2]"
    assert message.inner_text() == detail["message"]
    field = page.locator("#grade-2")
    assert field.get_attribute("aria-invalid") is not None
    assert "grade-2-error" in field.get_attribute("aria-describedby")
    assert page.evaluate("document.activeElement.id") == "grade-2"
    assert page.locator("#result-body").is_hidden()

    page.fill("#grade-2", "7.9")
    page.click("#predict-button")
    page.locator("#result-body").wait_for(state="visible")
    assert message.is_hidden() and field.get_attribute("aria-invalid") is None


def test_a_csv_upload_returns_the_file_with_a_forecast_per_line(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    # Stray spaces and capitals in the header, a short history ended by blank cells, a quoted
    # cell with a comma, and a column the model does not read (kept in the output).
    upload = write_csv(
        tmp_path / "cohort.csv",
        " 1st , 2ND,3rd,4th,College Code,Name\n"
        '7.1,7.4,7.9,8.0,165,"Lee, A."\n'
        "6.2,5.9,,,,Ba\n"
        "8.5,8.1,7.7,,241,Cy\n",
    )
    students = [
        {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165},
        {"grades": [6.2, 5.9]},
        {"grades": [8.5, 8.1, 7.7], "college_code": 241},
    ]
    expected = api_post(live_server, "/predict/batch", {"students": students})
    assert expected.status_code == 200

    page = open_page(live_server)
    page.set_input_files("#csv-file", str(upload))
    page.click("#batch-button")
    link = page.locator("#batch-download")
    link.wait_for(state="visible")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "cohort-predictions.csv"
    saved = download.path()

    with open(saved, newline="", encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream))
    assert header == [" 1st ", " 2ND", "3rd", "4th", "College Code", "Name",
                      "predicted_cgpa", "interval_low", "interval_high", "semester"]  # fmt: skip
    assert [row[5] for row in rows] == ["Lee, A.", "Ba", "Cy"]
    for row, prediction in zip(rows, expected.json()["predictions"], strict=True):
        assert float(row[6]) == prediction["predicted_cgpa"]
        assert (float(row[7]), float(row[8])) == (
            prediction["interval"]["low"],
            prediction["interval"]["high"],
        )
        assert int(row[9]) == prediction["semester"]
    assert page.locator("#batch-message").inner_text() == "Predicted 3 students."


def test_invalid_csv_lines_are_named_by_line_and_column_and_nothing_is_offered(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    upload = write_csv(
        tmp_path / "typos.csv",
        "1st,2nd,3rd,4th,College Code\n7.1,7.4,7.9,8.0,165\n6.0,11,7.0,,\n6.0,,7.0,,116\n",
    )
    answer = api_post(
        live_server,
        "/predict/batch",
        {"students": [{"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165},
                      {"grades": [6.0, 11, 7.0]},
                      {"grades": [6.0, None, 7.0], "college_code": 116}]},
    )  # fmt: skip
    assert answer.status_code == 422
    messages = {detail["field"]: detail["message"] for detail in answer.json()["detail"]}
    assert set(messages) == {"students[1].grades[1]", "students[2].grades[1]"}

    page = open_page(live_server)
    page.set_input_files("#csv-file", str(upload))
    page.click("#batch-button")
    errors = page.locator("#batch-errors li")
    errors.first.wait_for(state="visible")
    assert errors.all_inner_texts() == [
        f"Line 3, column 2nd: {messages['students[1].grades[1]']}",
        f"Line 4, column 2nd: {messages['students[2].grades[1]']}"
        " (the cell is blank; only the cells after a student's last grade may be)",
    ]
    assert "2 lines" in page.locator("#batch-message").inner_text()
    assert page.locator("#batch-download").is_hidden()


def test_the_key_field_appears_when_the_server_requires_one_and_then_predicts(
    keyed_server: LiveServer, open_page
) -> None:
    card = httpx.get(f"{keyed_server.base_url}/model", headers={"X-API-Key": TEST_API_KEY})
    assert card.status_code == 200
    expected = api_post(keyed_server, "/predict", {"grades": FOUR_VALUES}, TEST_API_KEY)
    assert expected.status_code == 200

    page = open_page(keyed_server)
    assert page.locator("#key-row").is_visible()
    fill_grades(page, FOUR_GRADES)
    page.click("#predict-button")
    key_error = page.locator("#api-key-error")
    key_error.wait_for(state="visible")
    assert key_error.inner_text() == MISSING_KEY
    assert page.evaluate("document.activeElement.id") == "api-key"

    page.fill("#api-key", "not-the-key-0123456789")
    page.keyboard.press("Tab")  # leaving the field tries the key on GET /model
    page.get_by_text(WRONG_KEY).wait_for()
    assert key_error.inner_text() == WRONG_KEY

    page.fill("#api-key", TEST_API_KEY)
    page.keyboard.press("Tab")
    colleges = page.locator("#college option")
    colleges.nth(len(card.json()["colleges"])).wait_for(state="attached")
    assert colleges.count() == 1 + len(card.json()["colleges"])
    page.click("#predict-button")
    page.locator("#result-body").wait_for(state="visible")
    assert shown_forecast(page) == f"{expected.json()['predicted_cgpa']:.2f}"
    assert key_error.is_hidden()


def test_the_keyboard_alone_reaches_every_field_in_order_and_submits(
    live_server: LiveServer, open_page
) -> None:
    page = open_page(live_server)
    order = []
    for _ in range(7):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    # "Add a semester" is disabled at the model's longest history, so Tab skips it.
    assert order == ["grade-0", "grade-1", "grade-2", "grade-3", "remove-semester",
                     "college", "predict-button"]  # fmt: skip

    page.focus("#grade-0")
    for index, grade in enumerate(FOUR_GRADES):
        page.keyboard.type(grade)
        page.keyboard.press("Enter" if index == len(FOUR_GRADES) - 1 else "Tab")
    page.locator("#result-body").wait_for(state="visible")
    expected = api_post(live_server, "/predict", {"grades": FOUR_VALUES})
    assert shown_forecast(page) == f"{expected.json()['predicted_cgpa']:.2f}"


def test_semesters_can_be_removed_and_added_back_up_to_the_models_history(
    live_server: LiveServer, open_page
) -> None:
    longest = httpx.get(f"{live_server.base_url}/model").json()["max_history"]
    page = open_page(live_server)
    inputs = page.locator("#grade-list input")
    assert inputs.count() == min(4, longest)
    for _ in range(inputs.count() - 1):
        page.click("#remove-semester")
    assert inputs.count() == 1 and page.locator("#remove-semester").is_disabled()
    for count in range(2, longest + 1):
        page.click("#add-semester")
        assert inputs.count() == count
        assert page.evaluate("document.activeElement.id") == f"grade-{count - 1}"
    assert page.locator("#add-semester").is_disabled()
    labels = page.locator("#grade-list label").all_inner_texts()
    assert labels == [f"Semester {number}" for number in range(1, longest + 1)]


def test_every_control_is_labelled_and_the_page_fits_a_phone_screen(
    live_server: LiveServer, open_page
) -> None:
    page = open_page(live_server, viewport=PHONE)
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select')]"
        ".filter(control => control.labels.length === 0).map(control => control.id)"
    )
    assert unlabelled == []
    predict_from_form(page, FOUR_GRADES)
    assert page.locator("#chart svg").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_screenshot_of_the_filled_page(
    request: pytest.FixtureRequest, live_server: LiveServer, open_page
) -> None:
    if not request.config.getoption("--screenshots"):
        pytest.skip("screenshots are written only with --screenshots (make screenshots)")
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    for viewport, name in ((DESKTOP, "page.png"), (PHONE, "page-mobile.png")):
        page = open_page(live_server, viewport=viewport)
        predict_from_form(page, FOUR_GRADES, college="165")
        page.screenshot(path=reports / name, full_page=True)
        assert (reports / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
