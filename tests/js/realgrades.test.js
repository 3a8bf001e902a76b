// "Upload real grades": the file read into POST /outcomes items (the 2nd semester on, with
// their line and column), an API error pinned to its line, the counts in words; and the
// cohort file's student id column.
import assert from "node:assert/strict";
import { test } from "node:test";

import { studentsFromCsv } from "../../app/static/csv.js";
import { countsSentence, describeOutcomeError, outcomesFromCsv } from "../../app/static/realgrades.js";

test("every grade from the 2nd semester on becomes an outcome; blanks are skipped", () => {
  const parsed = outcomesFromCsv("Student ID;Sem 1;Sem 2;Sem 3\ns-1;7.1;7.4;\ns-2;6;NA;6.5\n");
  assert.deepEqual(parsed.outcomes, [
    { student_id: "s-1", semester: 2, grade: 7.4 },
    { student_id: "s-2", semester: 3, grade: 6.5 },
  ]);
  assert.deepEqual(parsed.sources, [{ line: 2, column: "Sem 2" }, { line: 3, column: "Sem 3" }]);
});

test("a cell that is not a number is sent as written, and its error names the line and column", () => {
  const parsed = outcomesFromCsv("student_id,1st,2nd\na,7,seven\n");
  assert.equal(parsed.outcomes[0].grade, "seven");
  assert.equal(
    describeOutcomeError(parsed, "outcomes[0].grade", "must be a number, not a string", 0),
    "Line 2, column 2nd: must be a number, not a string",
  );
});

test("a file without a student id column is refused, naming the column to add", () => {
  assert.throws(() => outcomesFromCsv("Student,1st,2nd\na,7,8\n"), /No student id column: name one column student_id/);
});

test("the counts in words", () => {
  assert.equal(
    countsSentence({ received: 3, matched: 1, unmatched: 1, duplicates: 1 }),
    "Received 3 grades: 1 matched to a forecast, 1 without one (kept for training), 1 already recorded.",
  );
});

test("the cohort file's student id column gives each forecast its id; a Student column does not", () => {
  const card = { max_history: 2, group: { column: null, label: "Group", codes: [] } };
  assert.deepEqual(studentsFromCsv("student_id,1st,2nd\ns-1,7,8\n,6,7\n", card).ids, ["s-1", ""]);
  assert.deepEqual(studentsFromCsv("Student,1st,2nd\ns-1,7,8\n", card).ids, [""]);
});
