// The page's CSV reader and writer beyond the shared cases: sniffing, records that span
// lines, quoting on the way out, and how an API error is pinned to a line and column.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CsvError, describeRowError, parseCsv, sniffDelimiter, studentsFromCsv, toCsv } from "../../app/static/csv.js";

const CARD = { max_history: 2, group: { column: null, label: "Group", codes: [] } };

test("the delimiter is the header's most frequent of , ; tab outside quotes; ties go to ','", () => {
  assert.equal(sniffDelimiter('"a;b;c",1st,2nd'), ",");
  assert.equal(sniffDelimiter("\n1st;2nd,x;3rd"), ";");
  assert.equal(sniffDelimiter("1st\t2nd;3rd,4th"), ",");
  assert.equal(sniffDelimiter("1st"), ",");
});

test("a quoted cell may span lines; each record keeps the line it starts on", () => {
  const records = parseCsv('Name,1st\n"two\nlines",7\n\nx,8\n');
  assert.deepEqual(records.map((r) => [r.line, r.cells]), [[1, ["Name", "1st"]], [2, ["two\nlines", "7"]], [5, ["x", "8"]]]);
});

test("out, a cell is quoted only when it holds a quote, a line end or the delimiter", () => {
  assert.equal(toCsv([["a;b", 'say "hi"', "plain", 7.5]], ";"), '"a;b";"say ""hi""";plain;7.5\r\n');
  assert.equal(toCsv([["a;b", "c\td"]], "\t"), 'a;b\t"c\td"\r\n');
});

test("more terms than the model reads are named as unused", () => {
  const parsed = studentsFromCsv("1st,2nd,3rd\n7,8,9\n", CARD);
  assert.deepEqual(parsed.students, [{ grades: [7, 8] }]);
  assert.deepEqual(parsed.unused, ["3rd"]);
});

test("a ragged row is refused at its line, naming the delimiter the file was read with", () => {
  assert.throws(() => studentsFromCsv("1st;2nd\n7;8\n7;8;9\n", CARD),
    (error) => error instanceof CsvError && error.line === 3 &&
      error.message === "Line 3 has 3 fields, the header has 2 (the file is read as ';' separated).");
});

test("an API error names the file's line and column, with a hint for a blank or NA cell", () => {
  const parsed = studentsFromCsv("Name,1st,2nd\na,7,8\nb,NA,8\n", CARD);
  assert.deepEqual(parsed.students[1], { grades: [null, 8] });
  const detail = { field: "students[1].grades[0]", message: "Input should be a valid number" };
  assert.deepEqual(describeRowError(parsed, detail, 0), {
    line: 3,
    text: "Line 3, column 1st: Input should be a valid number (the cell is blank; only the cells after a student's last grade may be)",
  });
  assert.deepEqual(describeRowError(parsed, { field: "students", message: "too many" }, 0),
    { line: null, text: "students: too many" });
});
