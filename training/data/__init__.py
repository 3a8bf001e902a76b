"""Grades files -> clean per-student histories -> (history -> next grade) samples.

`reading` opens a CSV and parses cells the same way for every layout; `wide` reads the
layout of the shared data set (one row per student, ordinal semester columns); `students`
holds the histories and the rule that a gap truncates one; `samples` turns histories into
the arrays training uses. Callers import from here.
"""

from training.data.reading import GRADE_MAX, GRADE_MIN, DataError
from training.data.samples import Samples, final_samples, prefix_samples
from training.data.students import Student, StudentTable, complete_student_ids, max_history
from training.data.wide import load_students

__all__ = [
    "GRADE_MAX",
    "GRADE_MIN",
    "DataError",
    "Samples",
    "Student",
    "StudentTable",
    "complete_student_ids",
    "final_samples",
    "load_students",
    "max_history",
    "prefix_samples",
]
