"""The road to graduation on the page, from a real server with the committed format 4 model:
the fan chart of one student (past grades, every remaining semester with its interval, the
final CGPA with its own and its risk) and the cohort table's final CGPA and its risk. Expected
numbers come from the API, never from this file."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.live_server import LiveServer
from tests.browser import needs_chromium
from tests.e2e.page.fixtures import api_post, model_card, predict_from_form, upload, write_csv

pytest_plugins = ["tests.e2e.page.fixtures"]
pytestmark = needs_chromium

TWO_GRADES = ["6.9", "7.3"]
CUTOFF = 7.0


def test_the_fan_chart_draws_the_apis_path_and_final_cgpa(
    live_server: LiveServer, open_page
) -> None:
    card = model_card(live_server)
    assert card["format_version"] == 4
    grades = [float(grade) for grade in TWO_GRADES]
    expected = api_post(
        live_server, "/predict", {"grades": grades, "path": True, "final_below": CUTOFF}
    )
    assert expected.status_code == 200
    answer = expected.json()

    page = open_page(live_server)
    sent = predict_from_form(page, TWO_GRADES, cutoff=str(CUTOFF))
    assert sent["path"] is True and sent["final_below"] == CUTOFF
    figure = page.locator("#fan-figure")
    figure.wait_for(state="visible")

    # One point per remaining semester, where the API put it, with its interval.
    points = page.locator("#fan-chart .path-point").evaluate_all(
        "points => points.map(p => [+p.dataset.semester, +p.dataset.value,"
        " +p.dataset.low, +p.dataset.high])"
    )
    assert points == [
        [p["semester"], p["predicted_cgpa"], p["interval"]["low"], p["interval"]["high"]]
        for p in answer["path"]
    ]
    assert [point[0] for point in points] == list(range(3, card["path"]["final_semesters"] + 1))
    assert page.locator("#fan-chart .fan-history-point").count() == len(grades)
    # The band is drawn, and points lower in grade are lower on the screen.
    assert page.locator("#fan-chart .fan-band").count() == 1
    heights = page.locator("#fan-chart .path-point").evaluate_all(
        "ps => ps.map(p => +p.getAttribute('cy'))"
    )
    for (_, value, _, _), height in zip(points, heights, strict=True):
        for (_, other, _, _), other_height in zip(points, heights, strict=True):
            assert value <= other or height < other_height

    final = answer["final_cgpa"]
    bar = page.locator("#fan-chart .final-bar")
    assert float(bar.get_attribute("data-low")) == final["interval"]["low"]
    assert float(bar.get_attribute("data-high")) == final["interval"]["high"]
    shown = page.locator("#fan-chart .final-point").get_attribute("data-value")
    assert float(shown) == final["predicted_cgpa"]
    cutoff_line = page.locator("#fan-chart .final-cutoff")
    assert float(cutoff_line.get_attribute("data-below")) == CUTOFF
    words = page.locator("#final-words").inner_text()
    assert f"about {final['predicted_cgpa']:.2f}" in words
    percent = round(final["risk"]["probability"] * 100)
    assert f"finishing below {CUTOFF:g}" in words
    assert f"{percent}%" in words or "less than 1%" in words or "more than 99%" in words
    # The chart is described for a screen reader with the same numbers.
    description = page.locator("#fan-desc").text_content()
    assert f"Semester {card['path']['final_semesters']}: " in description


def test_the_cohort_table_shows_each_students_final_cgpa_and_its_risk(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    histories = [[7.1, 7.4, 7.9, 8.0], [6.2, 5.9], [8.5, 8.1, 7.7], [5.8]]
    students = [{"grades": h, "path": True, "final_below": CUTOFF} for h in histories]
    expected = api_post(live_server, "/predict/batch", {"students": students})
    assert expected.status_code == 200
    predictions = expected.json()["predictions"]

    lines = ["Student,1st,2nd,3rd,4th"]
    for number, history in enumerate(histories):
        lines.append(",".join([f"S{number}", *map(str, history), *[""] * (4 - len(history))]))
    page = open_page(live_server)
    upload(page, write_csv(tmp_path / "cohort.csv", "\n".join(lines) + "\n"), cutoff=str(CUTOFF))

    headings = [t.strip() for t in page.locator("#cohort-table thead th").all_inner_texts()]
    final_at = headings.index("Final CGPA")
    risk_at = headings.index(f"Final below {CUTOFF:g}")
    cells = page.locator("#cohort-table tbody tr").evaluate_all(
        f"rows => rows.map(row => [row.cells[{final_at}].textContent,"
        f" row.cells[{risk_at}].textContent])"
    )
    for (final_text, risk_text), prediction in zip(cells, predictions, strict=True):
        final = prediction["final_cgpa"]
        interval = final["interval"]
        assert final_text == (
            f"{final['predicted_cgpa']:.2f} ({interval['low']:.2f}\u2013{interval['high']:.2f})"
        )
        probability = final["risk"]["probability"]
        assert risk_text in (f"{round(probability * 100)}%", "less than 1%", "more than 99%")


@pytest.mark.parametrize("grades", [["7.2", "7.5", "7.8", "8.1"]])
def test_a_history_one_short_of_the_last_term_has_a_one_point_fan(
    live_server: LiveServer, open_page, grades: list[str]
) -> None:
    page = open_page(live_server)
    predict_from_form(page, grades)
    page.locator("#fan-figure").wait_for(state="visible")
    assert page.locator("#fan-chart .path-point").count() == 1
    words = page.locator("#final-words").inner_text()
    assert words.startswith("Final CGPA over all ") and "finishing below" not in words


def test_a_cut_off_off_the_scale_is_said_once_under_its_field(
    live_server: LiveServer, open_page
) -> None:
    page = open_page(live_server)
    for index, grade in enumerate(TWO_GRADES):
        page.fill(f"#grade-{index}", grade)
    page.fill("#grade-2", "")
    page.fill("#grade-3", "")
    page.fill("#cutoff", "11")
    with page.expect_response("**/predict") as answer:
        page.click("#predict-button")
    fields = [detail["field"] for detail in answer.value.json()["detail"]]
    assert fields == ["risk_below", "final_below"]  # the API names both
    page.locator("#cutoff-error").wait_for(state="visible")
    assert page.locator("#cutoff-error").inner_text() == "11 is too large; at most 10"
    assert page.locator("#form-error").inner_text() == ""
