"""Feature and audit columns (#28): kinds detected from the data, missing values kept,
a long export's values checked across a student's rows, and every refusal naming the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.synthetic import write_csv
from training.data import DataError, DataOptions, load_students

WIDE_HEADER = "1st,2nd,3rd,College Code,absences,higher,credits,sex"
WIDE_ROWS = [
    "7.0,7.2,7.4,115,4,yes,30,F",
    "6.0,6.1,6.3,116,,no,,M",
    "8.0,8.1,8.0,115,0,,24.5,F",
    "5.5,5.0,4.8,116,12,yes,18,",
]
LONG_HEADER = "id,term,gpa,prog,absences,higher"
LONG = DataOptions(scale=(0, 4), student_column="id", term_column="term", grade_column="gpa")


def wide(tmp_path: Path, **columns: tuple[str, ...]):
    path = write_csv(tmp_path / "wide.csv", [WIDE_HEADER, *WIDE_ROWS])
    return load_students(path, DataOptions(**columns))


def test_kinds_ranges_categories_and_missing_counts_are_detected(tmp_path: Path) -> None:
    table = wide(
        tmp_path, feature_columns=("absences", "Higher", "credits"), audit_columns=("sex",)
    )
    absences, higher, credits, sex = table.extra_columns
    assert (absences.kind, absences.low, absences.high, absences.missing) == ("numeric", 0, 12, 1)
    assert (higher.kind, higher.categories, higher.missing) == ("categorical", ("no", "yes"), 1)
    assert (credits.kind, credits.low, credits.high, credits.missing) == ("numeric", 18, 30, 1)
    # An audit column is categorical even when it could be numbers: it names groups.
    assert (sex.role, sex.kind, sex.categories, sex.missing) == (
        "audit",
        "categorical",
        ("F", "M"),
        1,
    )
    assert table.students[1].extras == (None, "no", None, "M")
    summary = table.summary()
    assert (
        "features: absences numeric 0..12, 1 missing; higher categorical {no, yes}, 1 missing"
        in summary
    )
    assert "audit columns: sex categorical {F, M}, 1 missing" in summary


def test_one_text_value_makes_a_column_categorical(tmp_path: Path) -> None:
    rows = [*WIDE_ROWS[:3], "5.5,5.0,4.8,116,many,yes,18,M"]
    path = write_csv(tmp_path / "text.csv", [WIDE_HEADER, *rows])
    table = load_students(path, DataOptions(feature_columns=("absences",)))
    assert table.extra_columns[0].kind == "categorical"
    assert table.extra_columns[0].categories == ("0", "4", "many")


def test_without_the_options_nothing_is_read(tmp_path: Path) -> None:
    table = wide(tmp_path)
    assert table.extra_columns == [] and table.students[0].extras == ()
    assert "features" not in table.summary()


NO_SUCH = "no such column (from --{option})"
IS_ROLE = "is the {role} column; it cannot also be in --{option}"


@pytest.mark.parametrize(
    ("columns", "problem"),
    [
        (
            {"feature_columns": ("nope",)},
            "column 'nope': " + NO_SUCH.format(option="feature-columns") + "; the header has '1st'",
        ),
        (
            {"audit_columns": ("gender",)},
            "column 'gender': " + NO_SUCH.format(option="audit-columns"),
        ),
        (
            {"feature_columns": ("2nd",)},
            "column '2nd': " + IS_ROLE.format(role="grade", option="feature-columns"),
        ),
        (
            {"audit_columns": ("College Code",)},
            "column 'College Code': " + IS_ROLE.format(role="group", option="audit-columns"),
        ),
        (
            {"feature_columns": ("higher",), "audit_columns": ("HIGHER ",)},
            "in both --feature-columns and --audit-columns",
        ),
    ],
)
def test_refusals_name_the_column(tmp_path: Path, columns: dict, problem: str) -> None:
    with pytest.raises(ValueError) as raised:
        wide(tmp_path, **columns)
    assert problem in str(raised.value)


def test_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="column 'higher': named twice in --feature-columns"):
        wide(tmp_path, feature_columns=("higher", "Higher"))


@pytest.mark.parametrize("column", ["id", "term", "gpa", "prog"])
def test_a_long_exports_own_columns_cannot_be_features(tmp_path: Path, column: str) -> None:
    path = write_csv(tmp_path / "long.csv", [LONG_HEADER, "s1,1,3.0,A,2,yes", "s1,2,3.1,A,2,yes"])
    options = DataOptions(**{**LONG.__dict__, "group_column": "prog", "feature_columns": (column,)})
    with pytest.raises(DataError, match=f"column '{column}': is the .* column"):
        load_students(path, options)


def test_a_long_export_keeps_one_value_a_student_and_fills_blanks_from_other_rows(
    tmp_path: Path,
) -> None:
    rows = ["s1,1,3.0,A,2,yes", "s2,1,2.0,B,,no", "s1,2,3.1,A,2.0,", "s2,2,2.2,B,5,no"]
    path = write_csv(tmp_path / "long.csv", [LONG_HEADER, *rows])
    options = DataOptions(**{**LONG.__dict__, "feature_columns": ("absences", "higher")})
    table = load_students(path, options)
    assert [s.extras for s in table.students] == [("2", "yes"), ("5", "no")]
    assert [column.kind for column in table.extra_columns] == ["numeric", "categorical"]


def test_a_long_export_with_two_values_for_a_student_names_both_lines(tmp_path: Path) -> None:
    rows = ["s1,1,3.0,A,2,yes", "s2,1,2.0,B,1,no", "s1,2,3.1,A,2,no"]
    path = write_csv(tmp_path / "long.csv", [LONG_HEADER, *rows])
    options = DataOptions(**{**LONG.__dict__, "feature_columns": ("absences", "higher")})
    with pytest.raises(DataError) as raised:
        load_students(path, options)
    message = str(raised.value)
    assert "long.csv, line 4, column 'higher'" in message
    assert "student 's1' has 'yes' on line 2 and 'no' on line 4" in message
