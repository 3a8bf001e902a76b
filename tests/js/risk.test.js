// The risk in words, and the cut-off the page sends.
import assert from "node:assert/strict";
import { test } from "node:test";

import { askForRisk, cutoffFrom, percentText, riskWords } from "../../app/static/risk.js";

test("a chance that is not certain never reads as 0% or 100%", () => {
  assert.deepEqual([0, 0.004, 0.01, 0.234, 0.995, 1].map(percentText),
    ["0%", "less than 1%", "1%", "23%", "more than 99%", "100%"]);
  assert.equal(riskWords({ probability: 0.5, below: 6 }), "50% chance of falling below 6");
});

test("the cut-off field: empty, a number, or the text as typed", () => {
  assert.equal(cutoffFrom({ value: "" }), undefined);
  assert.equal(cutoffFrom({ value: "6,5" }), 6.5);
  assert.equal(cutoffFrom({ value: "six" }), "six");
});

test("a cleared field sends null only when the server has a default cut-off", () => {
  assert.deepEqual(askForRisk({}, { value: "" }, { risk_default: null }), {});
  assert.deepEqual(askForRisk({}, { value: "" }, { risk_default: 6 }), { risk_below: null });
  assert.deepEqual(askForRisk({}, { value: "5" }, { risk_default: 6 }), { risk_below: 5 });
});
