// The cohort table's rows and the download's columns, from a file and the API's answers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { buildCohort } from "../../app/static/cohort.js";
import { resultsCsv, studentsFromCsv } from "../../app/static/csv.js";

const CARD = {
  max_history: 3, group: { column: "College Code", label: "College Code", codes: [115, 116] },
  interval: { level: 0.9 },
};
const FILE = "Name,1st,2nd,College Code\nAsha,7,8,115\nBen,6,,116\n";

function answer(forecast, probability, warnings = []) {
  return {
    predicted_cgpa: forecast, interval: { low: forecast - 1, high: forecast + 1, level: 0.9 },
    semester: 3, warnings, ...(probability === null ? {} : { risk: { below: 6, probability } }),
  };
}

test("rows carry the name, group and flag; a risk of one half or more is flagged", () => {
  const parsed = studentsFromCsv(FILE, CARD);
  const cohort = buildCohort(parsed, [answer(8.1, 0.1), answer(5.9, 0.5, ["w"])], CARD);
  assert.deepEqual(cohort.rows.map((r) => [r.line, r.name, r.group, r.flagged]),
    [[2, "Asha", 115, false], [3, "Ben", 116, true]]);
  assert.equal(cohort.nameHeader, "Name");
  assert.equal(cohort.level, 90);
  assert.deepEqual(cohort.columns,
    ["predicted_cgpa", "interval_low", "interval_high", "semester", "risk_below", "risk_probability", "flagged", "warnings"]);
});

test("without a cut-off there is no risk, no flag, and no such columns", () => {
  const parsed = studentsFromCsv(FILE, CARD);
  const cohort = buildCohort(parsed, [answer(8.1, null), answer(5.9, null)], CARD);
  assert.equal(cohort.withRisk, false);
  assert.deepEqual(cohort.rows.map((r) => r.flagged), [null, null]);
  assert.deepEqual(cohort.columns, ["predicted_cgpa", "interval_low", "interval_high", "semester", "warnings"]);
});

test("the download is the input file with the cohort's columns added, in its delimiter", () => {
  const text = FILE.replaceAll(",", ";");
  const parsed = studentsFromCsv(text, CARD);
  const cohort = buildCohort(parsed, [answer(8.1, null), answer(5.9, null, ["a", "b"])], CARD);
  assert.equal(resultsCsv(parsed, cohort),
    "Name;1st;2nd;College Code;predicted_cgpa;interval_low;interval_high;semester;warnings\r\n" +
    "Asha;7;8;115;8.1;7.1;9.1;3;\r\n" +
    'Ben;6;;116;5.9;4.9;6.9;3;"a; b"\r\n');
});

test("a model with a path adds the final CGPA, and its risk with a cut-off, before warnings", () => {
  const parsed = studentsFromCsv(FILE, CARD);
  const final = (cgpa, probability) => ({
    semesters: 5, predicted_cgpa: cgpa, interval: { low: cgpa - 0.25, high: cgpa + 0.25, level: 0.9 },
    ...(probability === null ? {} : { risk: { below: 6, probability } }),
  });
  const withFinal = [
    { ...answer(8.1, 0.1), final_cgpa: final(7.9, 0.02) },
    { ...answer(5.9, 0.5), final_cgpa: final(6.1, 0.4) },
  ];
  const cohort = buildCohort(parsed, withFinal, CARD);
  assert.deepEqual(cohort.columns, ["predicted_cgpa", "interval_low", "interval_high", "semester",
    "risk_below", "risk_probability", "flagged", "final_cgpa", "final_low", "final_high",
    "final_risk_below", "final_risk_probability", "warnings"]);
  assert.deepEqual(cohort.cells(1), [5.9, 4.9, 6.9, 3, 6, 0.5, "yes", 6.1, 5.85, 6.35, 6, 0.4, ""]);
  const noCutoff = buildCohort(parsed, [
    { ...answer(8.1, null), final_cgpa: final(7.9, null) },
    { ...answer(5.9, null), final_cgpa: final(6.1, null) },
  ], CARD);
  assert.equal(noCutoff.withFinalRisk, false);
  assert.deepEqual(noCutoff.columns.slice(4),
    ["final_cgpa", "final_low", "final_high", "warnings"]);
});
