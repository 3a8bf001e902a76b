"""The advisors' page at / in headless Chromium, against a real uvicorn server: the form, its
messages, the key, the keyboard, a phone, and the screenshots (`make screenshots`). The page's
other behaviours are tested beside this file in tests/e2e/page/.

Every request the page makes to anywhere but the server under test is blocked and counted, and
so is every script error or Content-Security-Policy complaint: each test ends by asserting
there were none (tests/e2e/page/fixtures.py). Expected numbers always come from the API
itself, never from this file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from app.api.security import MISSING_KEY, WRONG_KEY
from harness.live_server import LiveServer
from tests.browser import needs_chromium
from tests.conftest import ROOT, TEST_API_KEY
from tests.e2e.page.fixtures import (
    DESKTOP,
    FOUR_GRADES,
    FOUR_VALUES,
    PHONE,
    api_post,
    fill_grades,
    model_card,
    predict_from_form,
    shown_forecast,
    upload,
    write_csv,
)

pytest_plugins = ["tests.e2e.page.fixtures"]
pytestmark = needs_chromium


def test_page_and_its_assets_are_served_with_a_same_origin_policy(
    live_server: LiveServer,
) -> None:
    response = httpx.get(f"{live_server.base_url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assets = sorted(path.name for path in (ROOT / "app" / "static").iterdir())
    assert {"page.js", "page.css", "favicon.svg"} <= set(assets)
    for asset in assets:
        assert httpx.get(f"{live_server.base_url}/static/{asset}", timeout=10).status_code == 200
    assert "http://" not in response.text and "https://" not in response.text


def test_four_grades_show_the_apis_forecast_in_words_and_on_a_chart(
    live_server: LiveServer, open_page
) -> None:
    code = model_card(live_server)["group"]["codes"][0]
    expected = api_post(live_server, "/predict", {"grades": FOUR_VALUES, "college_code": code})
    assert expected.status_code == 200
    answer = expected.json()

    page = open_page(live_server)
    assert page.locator("#key-row").is_hidden()
    sent = predict_from_form(page, FOUR_GRADES, college=str(code))
    # The code goes out as the card types it (an integer code as a JSON number).
    # A model with a path (card format 4) is asked for it too (tests/e2e/page/test_path.py).
    asked = {"path": True} if "path" in model_card(live_server) else {}
    assert sent == {"grades": FOUR_VALUES, "college_code": code, "explain": True, **asked}

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


def test_the_key_field_appears_when_the_server_requires_one_and_then_predicts(
    keyed_server: LiveServer, open_page
) -> None:
    codes = model_card(keyed_server, TEST_API_KEY)["group"]["codes"]
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
    groups = page.locator("#college option")
    groups.nth(len(codes)).wait_for(state="attached")
    assert groups.count() == 1 + len(codes)
    page.click("#predict-button")
    page.locator("#result-body").wait_for(state="visible")
    assert shown_forecast(page) == f"{expected.json()['predicted_cgpa']:.2f}"
    assert key_error.is_hidden()


def test_the_keyboard_alone_reaches_every_field_in_order_and_submits(
    live_server: LiveServer, open_page
) -> None:
    longest = model_card(live_server)["max_history"]
    page = open_page(live_server)
    # "Add a semester" is disabled at the model's longest history, so Tab skips it then.
    expected_order = ["grade-0", "grade-1", "grade-2", "grade-3",
                      *(["add-semester"] if longest > 4 else []),
                      "remove-semester", "college", "cutoff", "predict-button"]  # fmt: skip
    order = []
    for _ in expected_order:
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    assert order == expected_order

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
    longest = model_card(live_server)["max_history"]
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
    request: pytest.FixtureRequest, live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    """reports/page.png (desktop: a forecast with its risk and reasons, and a cohort) and
    reports/page-mobile.png (a phone); docs/page.png is a copy of the first, for the README."""
    if not request.config.getoption("--screenshots"):
        pytest.skip("screenshots are written only with --screenshots (make screenshots)")
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    card = model_card(live_server)
    codes = card["group"]["codes"]
    for viewport, name in ((DESKTOP, "page.png"), (PHONE, "page-mobile.png")):
        page = open_page(live_server, viewport=viewport)
        predict_from_form(page, FOUR_GRADES, college=str(codes[0]), cutoff="7.5")
        if viewport is DESKTOP:
            upload(page, write_csv(tmp_path / "cohort.csv", sample_cohort(card)), cutoff="6.5")
        page.screenshot(path=reports / name, full_page=True)
        assert (reports / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.copy(reports / "page.png", ROOT / "docs" / "page.png")


def sample_cohort(card: dict) -> str:
    """Eight made-up students over three groups, some doing well and some not."""
    codes = card["group"]["codes"]
    histories = [
        "7.1,7.4,7.9,8.0", "6.2,5.9,6.1,", "8.5,8.1,7.7,", "5.8,6.0,5.5,5.9",
        "9.1,9.0,9.3,9.2", "6.8,6.4,,", "7.5,7.2,6.9,6.6", "6.1,6.3,6.0,6.2",
    ]  # fmt: skip
    lines = [f"Name,1st,2nd,3rd,4th,{card['group']['column']}"]
    for number, history in enumerate(histories):
        lines.append(f"Student {chr(65 + number)},{history},{codes[number % min(3, len(codes))]}")
    return "\n".join(lines) + "\n"
