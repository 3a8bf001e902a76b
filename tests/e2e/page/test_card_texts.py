"""What the page says about the model comes from the model card: the scale, the history
length, the group's label and codes, the CSV columns. The served card is one institution's; a
page that merely repeated it would pass, so the second test rewrites the card the page receives
(Playwright's `page.route`) into another institution's and checks the page follows it."""

from __future__ import annotations

import pytest

from harness.live_server import LiveServer
from tests.browser import needs_chromium
from tests.e2e.page.fixtures import api_post, model_card, predict_from_form

pytest_plugins = ["tests.e2e.page.fixtures"]
pytestmark = needs_chromium

DASH = "\u2013"


def another_institution(card: dict) -> dict:
    """A 0-4 scale, six semesters, string programme codes and a default cut-off."""
    return {
        **card,
        "grade_scale": {"low": 0, "high": 4},
        "max_history": 6,
        "group": {"column": "Programme", "label": "Programme", "codes": ["CSE", "ME"]},
        "risk_default": 2.5,
    }


def csv_columns_named(page) -> list[str]:
    return page.locator("#csv-help code").all_inner_texts()


def test_the_scale_history_length_and_group_come_from_the_served_card(
    live_server: LiveServer, open_page
) -> None:
    card = model_card(live_server)
    low, high = card["grade_scale"]["low"], card["grade_scale"]["high"]
    scale = f"{low:g}{DASH}{high:g}"
    page = open_page(live_server)

    intro = page.locator(".intro").inner_text()
    assert f"on the {scale} scale" in intro
    assert f"1 to {card['max_history']} semesters" in intro
    assert scale in page.locator("#grades-help").inner_text()
    assert page.locator("#grade-0").get_attribute("placeholder") == scale
    assert page.locator("#group-label").inner_text() == f"{card['group']['label']} (optional)"
    options = page.locator("#college option").all_inner_texts()
    assert options == ["Not given", *map(str, card["group"]["codes"])]
    columns = csv_columns_named(page)
    assert columns[0] == "1st" and card["group"]["column"] in columns
    assert f"{card['max_history']}th" in columns or card["max_history"] <= 4


def test_another_institutions_card_words_the_page_its_own_way(
    live_server: LiveServer, open_page
) -> None:
    page = open_page(live_server, edit_card=another_institution)

    assert "on the 0\u20134 scale" in page.locator(".intro").inner_text()
    assert "1 to 6 semesters" in page.locator(".intro").inner_text()
    assert page.locator("#grade-0").get_attribute("placeholder") == f"0{DASH}4"
    assert page.locator("#group-label").inner_text() == "Programme (optional)"
    assert page.locator("#college option").all_inner_texts() == ["Not given", "CSE", "ME"]
    # The CSV help names this model's columns: 1st .. 6th and its group column.
    assert csv_columns_named(page)[:3] == ["1st", "2nd", "6th"]
    assert "Programme" in csv_columns_named(page)
    assert f"0{DASH}4 scale" in page.locator("#csv-help").inner_text()
    # The card's default cut-off fills both cut-off fields; the placeholder shows the scale.
    for field in ("#cutoff", "#batch-cutoff"):
        assert page.locator(field).input_value() == "2.5"
        assert page.locator(field).get_attribute("placeholder") == f"0{DASH}4"
    assert page.locator("#add-semester").is_enabled()  # 4 fields of the card's 6

    # A string code goes out as a string (the real server, trained on integer codes, refuses
    # it and the page shows why beside the picker).
    for index, grade in enumerate(["3.1", "3.2", "3.4"]):
        page.fill(f"#grade-{index}", grade)
    page.fill("#grade-3", "")
    page.select_option("#college", "ME")
    with page.expect_request("**/predict") as sent:
        page.click("#predict-button")
    body = sent.value.post_data_json
    # A card with a path (format 4) is asked for it, the cut-off also the final CGPA's.
    path = {"path": True, "final_below": 2.5} if "path" in model_card(live_server) else {}
    assert body == {"grades": [3.1, 3.2, 3.4], "college_code": "ME", "risk_below": 2.5,
                    "explain": True, **path}  # fmt: skip
    page.locator("#college-error").wait_for(state="visible")


def test_a_grade_outside_the_training_range_still_gets_a_forecast_and_a_plain_warning(
    live_server: LiveServer, open_page
) -> None:
    card = model_card(live_server)
    low = card["grade_scale"]["low"]
    unseen = [
        (position, seen["low"])
        for position, seen in enumerate(card["grade_range_by_position"][:4])
        if seen["low"] > low
    ]
    if not unseen:
        pytest.skip("training saw the scale's lowest grade at every position")
    position, seen_low = unseen[0]
    grades = ["7.1", "7.4", "7.9", "8.0"]
    grades[position] = f"{low:g}"
    values = [float(grade) for grade in grades]
    answer = api_post(live_server, "/predict", {"grades": values})
    assert answer.status_code == 200 and answer.json()["warnings"]

    page = open_page(live_server)
    predict_from_form(page, grades)
    block = page.locator("#result-warnings-block")
    assert block.is_visible()
    warnings = page.locator("#result-warnings li").all_inner_texts()
    assert len(warnings) == len(answer.json()["warnings"])
    # Named as the page names the field, not as the API's `grades[i]`.
    assert warnings[0].startswith(f"Semester {position + 1} = ")
    assert "grades[" not in " ".join(warnings)
    assert f"{seen_low:g}" in warnings[0]
    assert page.locator("#predicted-cgpa").inner_text() == f"{answer.json()['predicted_cgpa']:.2f}"
