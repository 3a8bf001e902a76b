"""A CSV upload on the page: read like the training loader reads a wide file, predicted by the
API, shown as a sortable cohort table with flags and counts per group, and offered as the same
file with those columns added. Expected numbers come from the API, never from this file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from harness.live_server import LiveServer
from tests.browser import needs_chromium
from tests.e2e.page.fixtures import PHONE, api_post, model_card, upload, write_csv

pytest_plugins = ["tests.e2e.page.fixtures"]
pytestmark = needs_chromium

HISTORIES = [
    [7.1, 7.4, 7.9, 8.0], [6.2, 5.9], [8.5, 8.1, 7.7], [5.8, 6.0, 5.5, 5.9],
    [9.1, 9.0, 9.3, 9.2], [6.8, 6.4], [7.5, 7.2, 6.9, 6.6], [6.1, 6.3, 6.0, 6.2],
]  # fmt: skip


def final_columns(server: LiveServer, with_risk: bool = False) -> list[str]:
    """The download's final-CGPA columns: a model with a path (card format 4) adds them."""
    if "path" not in model_card(server):
        return []
    return ["final_cgpa", "final_low", "final_high"] + (
        ["final_risk_below", "final_risk_probability"] if with_risk else []
    )


def downloaded_rows(page, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    with page.expect_download() as download_info:
        page.click("#batch-download")
    with open(download_info.value.path(), newline="", encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream, delimiter=delimiter))
    return header, rows


def cohort_column(page, heading: str) -> list[str]:
    """The cells under a cohort-table heading, top to bottom as shown."""
    headings = [text.strip() for text in page.locator("#cohort-table thead th").all_inner_texts()]
    position = headings.index(heading)
    return page.locator("#cohort-table tbody tr").evaluate_all(
        f"rows => rows.map(row => row.cells[{position}].textContent)"
    )


def test_a_csv_upload_shows_a_table_and_returns_the_file_with_a_forecast_per_line(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    # Stray spaces and capitals in the header, a short history ended by blank cells, a quoted
    # cell with a comma, and a column the model does not read (kept in the output).
    group = model_card(live_server)["group"]
    first, second = group["codes"][:2]
    path = write_csv(
        tmp_path / "cohort.csv",
        f" 1st , 2ND,3rd,4th,{group['column']},Name\n"
        f'7.1,7.4,7.9,8.0,{first},"Lee, A."\n'
        "6.2,5.9,,,,Ba\n"
        f"8.5,8.1,7.7,,{second},Cy\n",
    )
    students = [
        {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": first},
        {"grades": [6.2, 5.9]},
        {"grades": [8.5, 8.1, 7.7], "college_code": second},
    ]
    expected = api_post(live_server, "/predict/batch", {"students": students})
    assert expected.status_code == 200
    predictions = expected.json()["predictions"]

    page = open_page(live_server)
    upload(page, path)
    assert page.locator("#batch-message").inner_text() == "Predicted 3 students."
    header, rows = downloaded_rows(page)
    assert header == [" 1st ", " 2ND", "3rd", "4th", group["column"], "Name",
                      "predicted_cgpa", "interval_low", "interval_high", "semester",
                      *final_columns(live_server), "warnings"]  # fmt: skip
    assert [row[5] for row in rows] == ["Lee, A.", "Ba", "Cy"]
    for row, prediction in zip(rows, predictions, strict=True):
        assert float(row[6]) == prediction["predicted_cgpa"]
        assert (float(row[7]), float(row[8])) == (
            prediction["interval"]["low"],
            prediction["interval"]["high"],
        )
        assert int(row[9]) == prediction["semester"]

    # The same forecasts on the page, one row per student, named by the file's Name column;
    # no cut-off was given, so no risk, no flag and no counts.
    assert page.locator("#cohort-table tbody tr").count() == 3
    assert cohort_column(page, "Name") == ["Lee, A.", "Ba", "Cy"]
    assert cohort_column(page, "Forecast") == [f"{p['predicted_cgpa']:.2f}" for p in predictions]
    assert cohort_column(page, group["label"]) == [str(first), "not given", str(second)]
    headings = page.locator("#cohort-table thead th").all_inner_texts()
    assert "Flag" not in headings and not any(h.startswith("Risk") for h in headings)
    assert page.locator("#group-counts").is_hidden()


@pytest.mark.parametrize(
    ("delimiter", "header"),
    [(";", ["Sem 1", "Sem 2", "Sem 3"]), ("\t", ["semester 1", "Semester 2", "SEMESTER 3"]),
     (",", ["Term 1", "term 2", "T3"]), (";", ['"1ST"', '"2nd"', '"3rd"'])],
)  # fmt: skip
def test_semicolon_and_tab_files_with_other_ordinal_headers_read_like_training_reads_them(
    live_server: LiveServer, open_page, tmp_path: Path, delimiter: str, header: list[str]
) -> None:
    # Quoted numbers, as spreadsheets write them in `;` files, are numbers.
    lines = [delimiter.join(header), delimiter.join(['"7.1"', " 7.4 ", '"7.9"']),
             delimiter.join(["6.2", "5.9", ""])]  # fmt: skip
    path = write_csv(tmp_path / "grades.csv", "\n".join(lines) + "\n")
    students = [{"grades": [7.1, 7.4, 7.9]}, {"grades": [6.2, 5.9]}]
    expected = api_post(live_server, "/predict/batch", {"students": students}).json()

    page = open_page(live_server)
    upload(page, path)
    shown = cohort_column(page, "Forecast")
    assert shown == [f"{p['predicted_cgpa']:.2f}" for p in expected["predictions"]]
    # The download keeps the file's delimiter, so it opens in the same spreadsheet alike.
    header_out, rows = downloaded_rows(page, delimiter)
    assert header_out[len(header):] == ["predicted_cgpa", "interval_low", "interval_high",
                                        "semester", *final_columns(live_server),
                                        "warnings"]  # fmt: skip
    assert [float(row[len(header)]) for row in rows] == [
        p["predicted_cgpa"] for p in expected["predictions"]
    ]


def test_with_a_cut_off_the_table_flags_sorts_and_counts_flagged_students_per_group(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    group = model_card(live_server)["group"]
    codes = [group["codes"][number % 3] for number in range(len(HISTORIES))]
    plain = [{"grades": h, "college_code": c} for h, c in zip(HISTORIES, codes, strict=True)]
    forecasts = sorted(
        p["predicted_cgpa"]
        for p in api_post(live_server, "/predict/batch", {"students": plain}).json()["predictions"]
    )
    cutoff = round((forecasts[2] + forecasts[-3]) / 2, 1)  # some students either side
    risky = [{**student, "risk_below": cutoff} for student in plain]
    predictions = api_post(live_server, "/predict/batch", {"students": risky}).json()["predictions"]
    flags = [p["risk"]["probability"] >= 0.5 for p in predictions]
    assert any(flags) and not all(flags)

    lines = [f"Student,1st,2nd,3rd,4th,{group['column']}"]
    for number, (history, code) in enumerate(zip(HISTORIES, codes, strict=True)):
        cells = [f"S{number}", *map(str, history), *[""] * (4 - len(history)), str(code)]
        lines.append(",".join(cells))
    page = open_page(live_server)
    upload(page, write_csv(tmp_path / "cohort.csv", "\n".join(lines) + "\n"), cutoff=str(cutoff))

    # Flagged rows are highlighted and say so in words; the message counts them.
    rows = page.locator("#cohort-table tbody tr")
    assert rows.count() == len(HISTORIES)
    names = cohort_column(page, "Student")
    flagged = [name for name, flag in zip(names, flags, strict=True) if flag]
    shown_flagged = page.locator("#cohort-table tbody tr.flagged").evaluate_all(
        "rows => rows.map(row => row.cells[1].textContent)"
    )
    assert shown_flagged == flagged
    assert cohort_column(page, "Flag") == ["Flagged" if flag else "" for flag in flags]
    assert f"{sum(flags)} flagged" in page.locator("#batch-message").inner_text()

    # Sorting: by risk (worst first, then reversed), by forecast; a keyboard press works too.
    risk_heading = f"Risk below {cutoff:g}"
    risk_button = page.locator("#cohort-table thead button", has_text=risk_heading)
    risk_th = page.locator(
        "#cohort-table thead th", has=page.locator("button", has_text=risk_heading)
    )
    by_line = page.locator("#cohort-table thead th", has_text="Line")
    assert by_line.get_attribute("aria-sort") == "ascending"
    risk_button.click()
    assert risk_th.get_attribute("aria-sort") == "descending"
    assert by_line.get_attribute("aria-sort") is None
    assert f"Sorted by {risk_heading}, highest first." in page.locator("#cohort-sort").inner_text()
    worst_first = sorted(
        range(len(predictions)), key=lambda i: (-predictions[i]["risk"]["probability"], i)
    )  # ties keep the file's order
    assert cohort_column(page, "Student") == [f"S{i}" for i in worst_first]
    risk_button.focus()
    page.keyboard.press("Enter")
    assert risk_th.get_attribute("aria-sort") == "ascending"
    page.locator("#cohort-table thead button", has_text="Forecast").click()
    shown = [float(text) for text in cohort_column(page, "Forecast")]
    assert shown == sorted(shown)
    # Sorting moves rows, not flags: the highlighted rows are still the flagged students.
    still = page.locator("#cohort-table tbody tr.flagged").evaluate_all(
        "rows => rows.map(row => row.cells[1].textContent)"
    )
    assert sorted(still) == sorted(flagged)

    # Counts per group, most flagged first, from the API's risks.
    expected_counts = {}
    for code, flag in zip(codes, flags, strict=True):
        students, count = expected_counts.get(str(code), (0, 0))
        expected_counts[str(code)] = (students + 1, count + flag)
    shown_counts = page.locator("#group-counts-table tbody tr").evaluate_all(
        "rows => rows.map(row => [row.cells[0].textContent, +row.cells[1].textContent,"
        " +row.cells[2].textContent])"
    )
    assert {g: (s, f) for g, f, s in shown_counts} == expected_counts
    assert [f for _, f, _ in shown_counts] == sorted((f for _, f, _ in shown_counts), reverse=True)
    assert group["label"] in page.locator("#group-counts-heading").inner_text()

    header, rows_out = downloaded_rows(page)
    finals = final_columns(live_server, with_risk=True)
    assert header[-4 - len(finals) :] == [
        "risk_below", "risk_probability", "flagged", *finals, "warnings"
    ]  # fmt: skip
    for row, prediction, flag in zip(rows_out, predictions, flags, strict=True):
        assert float(row[header.index("risk_probability")]) == prediction["risk"]["probability"]
        assert row[header.index("flagged")] == ("yes" if flag else "no")


def test_invalid_csv_lines_are_named_by_line_and_column_and_nothing_is_offered(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    group = model_card(live_server)["group"]
    first, second = group["codes"][:2]
    path = write_csv(
        tmp_path / "typos.csv",
        f"1st,2nd,3rd,4th,{group['column']}\n7.1,7.4,7.9,8.0,{first}\n6.0,11,7.0,,\n"
        f"6.0,,7.0,,{second}\n",
    )
    answer = api_post(
        live_server,
        "/predict/batch",
        {"students": [{"grades": [7.1, 7.4, 7.9, 8.0], "college_code": first},
                      {"grades": [6.0, 11, 7.0]},
                      {"grades": [6.0, None, 7.0], "college_code": second}]},
    )  # fmt: skip
    assert answer.status_code == 422
    messages = {detail["field"]: detail["message"] for detail in answer.json()["detail"]}
    assert set(messages) == {"students[1].grades[1]", "students[2].grades[1]"}

    page = open_page(live_server)
    upload(page, path, succeeds=False)
    errors = page.locator("#batch-errors li")
    errors.first.wait_for(state="visible")
    assert errors.all_inner_texts() == [
        f"Line 3, column 2nd: {messages['students[1].grades[1]']}",
        f"Line 4, column 2nd: {messages['students[2].grades[1]']}"
        " (the cell is blank; only the cells after a student's last grade may be)",
    ]
    assert "2 lines" in page.locator("#batch-message").inner_text()
    assert page.locator("#batch-download").is_hidden()
    assert page.locator("#cohort").is_hidden()


def test_a_bad_cut_off_is_named_once_beside_its_field(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    answer = api_post(live_server, "/predict", {"grades": [7.1], "risk_below": 99.0})
    assert answer.status_code == 422
    (detail,) = answer.json()["detail"]

    page = open_page(live_server)
    path = write_csv(tmp_path / "two.csv", "1st,2nd\n7.1,7.4\n6.0,6.2\n")
    upload(page, path, cutoff="99", succeeds=False)
    message = page.locator("#batch-cutoff-error")
    message.wait_for(state="visible")
    assert message.inner_text() == detail["message"]
    assert page.evaluate("document.activeElement.id") == "batch-cutoff"
    assert page.locator("#batch-errors li").count() == 0
    assert page.locator("#batch-download").is_hidden()


def test_on_a_phone_a_wide_cohort_table_scrolls_in_its_box_not_the_page(
    live_server: LiveServer, open_page, tmp_path: Path
) -> None:
    group = model_card(live_server)["group"]
    lines = [f"Name,1st,2nd,3rd,{group['column']}"]
    lines += [f"Student {n},6.{n},7.{n},6.{n},{group['codes'][0]}" for n in range(5)]
    page = open_page(live_server, viewport=PHONE)
    upload(page, write_csv(tmp_path / "cohort.csv", "\n".join(lines) + "\n"), cutoff="7")
    assert page.locator("#cohort-table").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The scrolling box can be reached and scrolled with the keyboard.
    box = page.locator("#cohort .table-scroll")
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
