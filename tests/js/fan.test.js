// The fan chart's outline and the final CGPA's words, and what the page asks for a path.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fanOutline, finalWords } from "../../app/static/fan.js";
import { askForPath, hasPath, oneCutoffProblem } from "../../app/static/path.js";

const PATH = [
  { semester: 3, predicted_cgpa: 7.2, interval: { low: 6.4, high: 8.0, level: 0.9 } },
  { semester: 4, predicted_cgpa: 7.4, interval: { low: 6.1, high: 8.7, level: 0.9 } },
  { semester: 5, predicted_cgpa: 7.5, interval: { low: 5.9, high: 9.1, level: 0.9 } },
];

test("the band starts at the last grade and runs out along the high ends, back along the low", () => {
  assert.deepEqual(fanOutline([6.8, 7.0], PATH), [
    [2, 7.0], [3, 8.0], [4, 8.7], [5, 9.1], [5, 5.9], [4, 6.1], [3, 6.4],
  ]);
});

test("the final CGPA in words, with its risk only when one was asked for", () => {
  const final = { semesters: 5, predicted_cgpa: 7.18, interval: { low: 6.9, high: 7.46, level: 0.9 } };
  assert.equal(finalWords(final, 0.9),
    "Final CGPA over all 5 semesters: about 7.18 (90% interval 6.90 to 7.46).");
  const risky = { ...final, risk: { below: 7, probability: 0.004 } };
  assert.equal(finalWords(risky, 0.9),
    "Final CGPA over all 5 semesters: about 7.18 (90% interval 6.90 to 7.46). " +
    "less than 1% chance of finishing below 7.");
});

test("a path is asked for only from a model that has one, with the cut-off when it is a number", () => {
  const withPath = { path: { final_semesters: 5 } };
  assert.equal(hasPath({ format_version: 3 }), false);
  assert.deepEqual(askForPath({ grades: [7] }, { value: "6" }, { format_version: 3 }), { grades: [7] });
  assert.deepEqual(askForPath({ grades: [7] }, { value: "" }, withPath), { grades: [7], path: true });
  assert.deepEqual(askForPath({ grades: [7] }, { value: "6,5" }, withPath),
    { grades: [7], path: true, final_below: 6.5 });
  // A typo is reported once, under the cut-off's field, by the risk's own 422.
  assert.deepEqual(askForPath({ grades: [7] }, { value: "six" }, withPath), { grades: [7], path: true });
});

test("a bad cut-off, sent as both cut-offs, is reported once, under its own field", () => {
  const both = [{ field: "risk_below", message: "11 is too large" }, { field: "final_below", message: "11 is too large" }];
  assert.deepEqual(oneCutoffProblem(both), [both[0]]);
  const grades = [{ field: "grades[0]", message: "must be a number" }];
  assert.deepEqual(oneCutoffProblem(grades), grades);
  // Without a risk_below problem, a final_below one is still shown.
  assert.deepEqual(oneCutoffProblem([both[1]]), [both[1]]);
});
