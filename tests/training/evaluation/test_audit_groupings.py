"""The fairness table's groupings with audit columns (#28): an audit column is a grouping of
its own, except the file's gender column, which stays one table with its spellings merged."""

from __future__ import annotations

from pathlib import Path

from tests.training.synthetic import write_csv
from training.data import DataOptions, load_students
from training.evaluation.fairness import NONE_GIVEN, groupings

ROWS = [
    "1st,2nd,Gender,Sex,higher",
    "7.0,7.2,Male,F,yes",
    "6.0,6.1,F,M,",
    "8.0,8.1,Female,F,no",
]


def labels_and_values(tmp_path: Path, audit: tuple[str, ...]) -> dict[str, list[str]]:
    table = load_students(write_csv(tmp_path / "g.csv", ROWS), DataOptions(audit_columns=audit))
    return {label: [key(s) for s in table.students] for label, key in groupings(table).items()}


def test_the_gender_column_audited_is_one_table_with_its_spellings_merged(tmp_path: Path) -> None:
    assert labels_and_values(tmp_path, ("gender",)) == {"Gender": ["male", "female", "female"]}


def test_another_audit_column_is_a_table_of_its_own(tmp_path: Path) -> None:
    # `Sex` is not where gender was read from here (`Gender` comes first): raw values.
    assert labels_and_values(tmp_path, ("Sex", "higher")) == {
        "Gender": ["male", "female", "female"],
        "Sex": ["F", "M", "F"],
        "higher": ["yes", NONE_GIVEN, "no"],
    }
