"""The page's "Upload real grades" and "How the model is doing", in Chromium, against the
real service (`python -m app`) whose store is a SQLite file the test wrote forecasts into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.live_server import LiveServer
from harness.store_rows import TEST_KEY, forecast_row, insert_forecasts, sqlite_store
from tests.browser import needs_chromium
from tests.conftest import MODEL_PATH
from tests.e2e.page.fixtures import write_csv

pytest_plugins = ["tests.e2e.page.fixtures"]
pytestmark = needs_chromium

VERSION = "1.0.0+0ecf924b"  # the committed model's


@pytest.fixture(scope="module")
def recording_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = sqlite_store(tmp_path_factory.mktemp("store"))
    insert_forecasts(
        store,
        [
            forecast_row(store, f"s-{n}", 5, 7.0 + n / 10, group="165", version=VERSION)
            for n in range(1, 4)
        ],
    )
    environment = {
        "CGPA_MODEL_PATH": str(MODEL_PATH),
        "CGPA_LOG_LEVEL": "warning",
        # The service opens the test's database under the key its rows were written with.
        "CGPA_DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
        "CGPA_ID_KEY": TEST_KEY.decode(),
    }
    store.engine.dispose()
    with LiveServer.start(environment) as server:
        yield server


def send_real_grades(page, path: Path) -> str:
    """Chooses the file, presses the button; the message once the answer is shown."""
    page.set_input_files("#outcomes-file", str(path))
    with page.expect_response("**/outcomes"):
        page.click("#outcomes-button")
    page.locator("#outcomes-button:enabled").wait_for()
    return page.locator("#outcomes-message").inner_text()


def test_real_grades_are_counted_and_the_model_is_shown_against_them(
    open_page, recording_server: LiveServer, tmp_path: Path
) -> None:
    lines = ["student_id,1st,2nd,3rd,4th,5th"]
    lines += [f"s-{n},7,7,7,7,{7.2 + n / 10:.1f}" for n in range(1, 4)]
    grades = write_csv(tmp_path / "term.csv", "\n".join(lines) + "\n")
    page = open_page(recording_server)

    first = send_real_grades(page, grades)

    assert first == (
        "Received 12 grades: 3 matched to a forecast, 9 without one (kept for training), "
        "0 already recorded."
    )
    page.locator("#monitoring-body").wait_for(state="visible")
    overall = page.locator("#monitoring-table tr").nth(1).locator("td").all_inner_texts()
    assert overall[:2] == ["Overall", "3 of 3"]
    assert overall[3].startswith("0.040 (card 0.265)")
    assert "promised 90%" in overall[4]
    assert page.locator("#monitoring-scatter circle").count() == 3
    page.select_option("#monitoring-choice", label="College Code 165")
    assert page.locator("#monitoring-scatter circle").count() == 3
    assert page.locator("#monitoring-alerts li").inner_text().startswith("No alerts")
    assert "Model 1.0.0+0ecf924b" in page.locator("#monitoring-table").inner_text()

    again = send_real_grades(page, grades)
    assert again.endswith(
        "0 matched to a forecast, 0 without one (kept for training), 12 already recorded."
    )


def test_a_grade_that_contradicts_a_recorded_one_is_pinned_to_its_line(
    open_page, recording_server: LiveServer, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv", "student_id,1st,2nd\nc-1,7,7.5\n")
    changed = write_csv(tmp_path / "changed.csv", "student_id,1st,2nd\nc-1,7,8.5\n")
    page = open_page(recording_server)
    send_real_grades(page, first)

    message = send_real_grades(page, changed)

    assert message.startswith("Not recorded: the file needs fixing")
    problem = page.locator("#outcomes-errors li").inner_text()
    assert problem.startswith("Line 2, column 2nd: grade 8.5 differs from the 7.5 already recorded")
