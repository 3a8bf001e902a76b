// What a person typed -> the grades the API reads: numbers, blanks, and text sent as typed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { historyFrom, readNumber } from "../../app/static/history.js";

test("plain numbers, decimal commas and exponents are numbers", () => {
  assert.deepEqual(["7.5", " 7 ", "7,5", ".5", "+8", "7.", "1e1"].map(readNumber), [7.5, 7, 7.5, 0.5, 8, 7, 10]);
});

test("blank is null and anything else is sent as typed for the API to name", () => {
  assert.equal(readNumber("   "), null);
  assert.equal(readNumber("seven"), "seven");
  assert.equal(readNumber("7.5.1"), "7.5.1");
});

test("trailing blanks are semesters not taken; a blank before a grade is kept as null", () => {
  assert.deepEqual(historyFrom(["7", "8", "", " "]), [7, 8]);
  assert.deepEqual(historyFrom(["7", "", "8"]), [7, null, 8]);
  assert.deepEqual(historyFrom(["", ""]), []);
});
