"""The shared CSV cases (tests/fixtures/csv) read by the training loader, the reference the
page's reader (app/static/csv.js, tested on them by tests/js/csv_fixtures.test.js) follows.

Each `<case>.csv` has a `<case>.json` beside it: the group column to use, and either the
delimiter, term columns and students the file holds, or the line an error names. A student's
`history` is the leading run of grades; `gap` marks a blank before a later grade, which
training truncates at (or drops the row when the first grade is blank) and counts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from training.data import DataError, DataOptions, load_students, read_csv

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
CASES = sorted(FIXTURES.glob("*.csv"))


def read_case(path: Path) -> tuple[DataOptions, dict[str, Any]]:
    case = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    column = case["group_column"]
    options = DataOptions(group_column=column) if column else DataOptions(no_group=True)
    return options, case["expected"]


def test_there_are_cases_of_both_kinds() -> None:
    kinds = {"error" in read_case(path)[1] for path in CASES}
    assert kinds == {True, False}


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_the_training_loader_reads_each_shared_case_as_expected(path: Path) -> None:
    options, expected = read_case(path)
    if "error" in expected:
        with pytest.raises(DataError) as raised:
            load_students(path, options)
        assert raised.value.line == expected["error"]["line"]
        return
    assert read_csv(path).delimiter == expected["delimiter"]
    table = load_students(path, options)
    assert table.term_count == len(expected["grade_columns"])
    students = expected["students"]
    read = [
        {"line": student.line, "history": list(student.history), "group": student.group_code}
        for student in table.students
    ]
    assert read == [
        {key: student[key] for key in ("line", "history", "group")}
        for student in students
        if student["history"]
    ]
    without_first = [student for student in students if not student["history"]]
    truncated = [student for student in students if student["history"] and student.get("gap")]
    assert table.dropped["without a first-term grade"] == len(without_first)
    assert table.notes["truncated at a gap"] == len(truncated)
