// The shared CSV cases (tests/fixtures/csv) read by the page's reader, against the same
// expected results the training loader is tested on (tests/test_shared_csv_fixtures.py).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

import { CsvError, studentsFromCsv } from "../../app/static/csv.js";

const FIXTURES = new URL("../fixtures/csv/", import.meta.url);
const CASES = readdirSync(FIXTURES).filter((name) => name.endsWith(".csv")).sort();

/** The card a model trained on this file would have, as far as reading the file goes: every
 * term column read, and the group codes the file holds. */
function cardFor(groupColumn, expected) {
  const codes = [...new Set((expected.students ?? []).map((s) => s.group).filter((g) => g !== null))];
  return {
    max_history: expected.grade_columns?.length ?? 12,
    group: { column: groupColumn, label: groupColumn ?? "Group", codes },
  };
}

/** What the page read, in the fixtures' terms. A grade sent as text is a line the API will
 * refuse, naming it: that is the page's error for that line. */
function described(parsed) {
  const refused = parsed.students.findIndex((s) => s.grades.some((grade) => typeof grade === "string"));
  if (refused >= 0) return { error: { line: parsed.rows[refused].line } };
  return {
    delimiter: parsed.delimiter,
    grade_columns: parsed.gradeColumns.map((column) => column.label),
    students: parsed.students.map((student, i) => {
      // historyFrom drops trailing blanks, so a null left in the grades has a grade after it.
      const blank = student.grades.indexOf(null);
      return {
        line: parsed.rows[i].line,
        history: blank < 0 ? student.grades : student.grades.slice(0, blank),
        ...(blank >= 0 && { gap: true }),
        group: student.college_code ?? null,
      };
    }),
  };
}

function readCase(name) {
  const text = readFileSync(new URL(name, FIXTURES), "utf8");
  const { group_column: groupColumn, expected } = JSON.parse(
    readFileSync(new URL(name.replace(/\.csv$/, ".json"), FIXTURES), "utf8"));
  return { text, card: cardFor(groupColumn, expected), expected };
}

test("there are cases to read", () => {
  assert.ok(CASES.length >= 2);
});

for (const name of CASES) {
  test(`the page reads ${name} as training does`, () => {
    const { text, card, expected } = readCase(name);
    let read;
    try {
      read = described(studentsFromCsv(text, card));
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      read = { error: { line: error.line } };
    }
    assert.deepEqual(read, expected);
  });
}
