// The card's wording helpers: the scale, ordinals, the page's names for the API's inputs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { codeOf, inputName, ordinal, scaleText } from "../../app/static/card.js";

const CARD = { grade_scale: { low: 0, high: 4 }, group: { label: "Programme", codes: [115, 116] } };

test("the scale reads as people write it", () => {
  assert.equal(scaleText(CARD), "0\u20134");
});

test("ordinals follow English, including the teens", () => {
  const names = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal);
  assert.deepEqual(names, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]);
});

test("the API's input names become the page's", () => {
  assert.equal(inputName("grades[0]", CARD), "Semester 1");
  assert.equal(inputName("grades[11]", CARD), "Semester 12");
  assert.equal(inputName("college_code", CARD), "Programme");
  assert.equal(inputName("risk_below", CARD), "risk_below");
});

test("a picked code comes back typed as the card types it", () => {
  assert.equal(codeOf("116", CARD), 116);
  assert.equal(codeOf("999", CARD), "999");
  assert.equal(codeOf("A1", { group: { codes: ["A1", "B2"] } }), "A1");
});
