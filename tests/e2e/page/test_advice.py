"""What an advisor acts on: the risk of falling below a cut-off in words and as a bar, the
reasons behind a forecast as a bar chart of contributions, and, on a phone, a forecast that
comes into view after Predict. Expected numbers come from the API, never from this file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.live_server import LiveServer
from tests.browser import needs_chromium
from tests.conftest import MODEL_PATH
from tests.e2e.page.fixtures import (
    FOUR_GRADES,
    FOUR_VALUES,
    TALL_PHONE,
    api_post,
    model_card,
    predict_from_form,
)

pytest_plugins = ["tests.e2e.page.fixtures"]
pytestmark = needs_chromium

SERVER_CUTOFF = 7.5


@pytest.fixture(scope="module")
def cutoff_server() -> Iterator[LiveServer]:
    """A server with a default cut-off (CGPA_RISK_BELOW)."""
    environment = {"CGPA_MODEL_PATH": str(MODEL_PATH), "CGPA_RISK_BELOW": str(SERVER_CUTOFF)}
    with LiveServer.start(environment) as server:
        yield server


def test_the_risk_of_falling_below_the_cut_off_is_shown_in_words_and_as_a_bar(
    live_server: LiveServer, open_page
) -> None:
    cutoff = 7.8
    expected = api_post(live_server, "/predict", {"grades": FOUR_VALUES, "risk_below": cutoff})
    risk = expected.json()["risk"]
    assert risk["below"] == cutoff

    page = open_page(live_server)
    sent = predict_from_form(page, FOUR_GRADES, cutoff=str(cutoff))
    assert sent["risk_below"] == cutoff
    percent = round(risk["probability"] * 100)
    semester = expected.json()["semester"]
    words = page.locator("#risk-words").inner_text()
    assert words == f"{percent}% chance of falling below {cutoff:g} in semester {semester}."
    fill = page.locator("#risk-bar .risk-fill")
    track = page.locator("#risk-bar .risk-track")
    assert float(fill.get_attribute("data-probability")) == risk["probability"]
    width, full = float(fill.get_attribute("width")), float(track.get_attribute("width"))
    assert width == pytest.approx(full * risk["probability"], abs=0.1)


def test_without_a_cut_off_no_risk_is_asked_for_or_shown(
    live_server: LiveServer, open_page
) -> None:
    assert model_card(live_server)["risk_default"] is None
    page = open_page(live_server)
    assert page.locator("#cutoff").input_value() == ""
    sent = predict_from_form(page, FOUR_GRADES)
    assert "risk_below" not in sent
    assert page.locator("#risk").is_hidden()


def test_the_servers_default_cut_off_fills_the_field_and_clearing_it_asks_for_none(
    cutoff_server: LiveServer, open_page
) -> None:
    assert model_card(cutoff_server)["risk_default"] == SERVER_CUTOFF
    page = open_page(cutoff_server)
    assert page.locator("#cutoff").input_value() == f"{SERVER_CUTOFF:g}"
    assert page.locator("#batch-cutoff").input_value() == f"{SERVER_CUTOFF:g}"
    sent = predict_from_form(page, FOUR_GRADES)
    assert sent["risk_below"] == SERVER_CUTOFF
    assert f"below {SERVER_CUTOFF:g}" in page.locator("#risk-words").inner_text()

    # An emptied field is a choice: the page asks for no risk (null), not the server's default.
    sent = predict_from_form(page, FOUR_GRADES, cutoff="")
    assert sent["risk_below"] is None
    assert page.locator("#risk").is_hidden()


@pytest.mark.parametrize("with_group", [True, False])
def test_the_contributions_chart_has_a_bar_per_input_with_the_apis_signs(
    live_server: LiveServer, open_page, with_group: bool
) -> None:
    code = model_card(live_server)["group"]["codes"][0]
    grades = ["5.2", "8.9", "6.0"] if with_group else ["8.6", "6.1"]
    student = {"grades": [float(grade) for grade in grades], "explain": True}
    if with_group:
        student["college_code"] = code
    answer = api_post(live_server, "/predict", student).json()
    contributions = answer["explanation"]["contributions"]
    assert len(contributions) == len(grades) + 1

    page = open_page(live_server)
    predict_from_form(page, grades, college=str(code) if with_group else "")
    bars = page.locator("#explain-chart .contribution")
    assert bars.count() == len(grades) + 1
    shown = bars.evaluate_all(
        "bars => bars.map(bar => ({input: bar.dataset.input, value: +bar.dataset.value,"
        " direction: bar.classList[1], left: bar.x.baseVal.value,"
        " right: bar.x.baseVal.value + bar.width.baseVal.value}))"
    )
    zero = float(page.locator("#explain-chart .zero-line").get_attribute("x1"))
    for bar, contribution in zip(shown, contributions, strict=True):
        assert (bar["input"], bar["value"]) == (contribution["input"], contribution["value"])
        value = contribution["value"]
        assert bar["direction"] == ("up" if value > 0 else "down" if value < 0 else "none")
        # A push up grows right of the zero line, a pull down left of it.
        if value > 0:
            assert bar["left"] == pytest.approx(zero) and bar["right"] > zero
        elif value < 0:
            assert bar["right"] == pytest.approx(zero) and bar["left"] < zero
    if not with_group:
        assert shown[-1]["direction"] == "none"  # no code given moves nothing
    # Each bar's figure: signed to two decimals, and unsigned when it rounds to zero.
    labels = page.locator("#explain-chart .contribution-value").all_text_contents()
    for label, contribution in zip(labels, contributions, strict=True):
        value = contribution["value"]
        sign = "" if abs(value) < 0.005 else "+" if value > 0 else "\u2212"
        assert label == f"{sign}{abs(value):.2f}"

    # One plain sentence: the typical student's forecast, the biggest push each way, the result.
    sentence = page.locator("#explain-words").inner_text()
    assert f"forecast {answer['explanation']['baseline']:.2f})" in sentence
    assert f"bringing it to {answer['predicted_cgpa']:.2f}." in sentence
    biggest = max(contributions, key=lambda c: c["value"])
    if biggest["value"] >= 0.005 and biggest["input"].startswith("grades["):
        semester = int(biggest["input"][7:-1]) + 1
        assert f"Semester {semester} pushed the forecast up most" in sentence
    assert "grades[" not in sentence


def test_on_a_phone_the_forecast_scrolls_into_view_after_predict(
    live_server: LiveServer, open_page
) -> None:
    from playwright.sync_api import expect

    page = open_page(live_server, viewport=TALL_PHONE)
    predict_from_form(page, FOUR_GRADES)
    forecast = page.locator("#predicted-cgpa")
    expect(forecast).to_be_in_viewport(ratio=1)
    box = forecast.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= TALL_PHONE["height"]
    assert page.evaluate("window.scrollY") > 0  # it was below the fold and was brought up
    assert page.evaluate("document.documentElement.scrollWidth") <= TALL_PHONE["width"]
