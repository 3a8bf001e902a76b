// The page words each warning from its code and fields, with the card's names and ranges.
import assert from "node:assert/strict";
import { test } from "node:test";

import { warningText, warningTexts } from "../../app/static/warnings.js";

const CARD = {
  group: { label: "Programme" },
  grade_range_by_position: [{ low: 5.123456789, high: 9.8 }, { low: 4, high: 10 }, { low: 4.5, high: 10 }],
};
const STUDENT = { grades: [0, 7.5, 1.25], college_code: "XY" };

test("an unknown group is named by the card's label and the code the student sent", () => {
  const detail = { code: "unknown_group", fields: ["college_code"], message: "college_code XY is ..." };
  assert.equal(warningText(detail, CARD, STUDENT),
    "Programme XY is unknown to the model; it was predicted as an unknown Programme.");
});

test("unusual grades name each semester, its grade and what training saw there", () => {
  const detail = { code: "unusual_grades", fields: ["grades[0]", "grades[2]"], message: "grades[0] = 0 ..." };
  assert.equal(warningText(detail, CARD, STUDENT),
    "Semester 1 = 0 (training: 5.12346\u20139.8); Semester 3 = 1.25 (training: 4.5\u201310): outside the " +
    "grades the model saw in training at that semester, so this forecast is an extrapolation: trust it less.");
});

test("a code the page does not know yet shows the server's sentence", () => {
  const detail = { code: "something_new", fields: [], message: "Something new happened." };
  assert.equal(warningText(detail, CARD, STUDENT), "Something new happened.");
});

test("an answer from a server without details shows its sentences as they are", () => {
  assert.deepEqual(warningTexts({ warnings: ["a", "b"] }, CARD, STUDENT), ["a", "b"]);
  assert.deepEqual(warningTexts({ warnings: [] }, CARD, STUDENT), []);
  const detailed = { warnings: ["x"], warning_details: [{ code: "something_new", fields: [], message: "x" }] };
  assert.deepEqual(warningTexts(detailed, CARD, STUDENT), ["x"]);
});
