// The explanation in one sentence: the biggest push up and pull down, named as the page does.
import assert from "node:assert/strict";
import { test } from "node:test";

import { explanationSentence } from "../../app/static/explain.js";

const CARD = { group: { label: "College" } };
const START = "Compared with a typical student (the training data's average grade in each of these 2 semesters, forecast 7.00)";

function explanation(values) {
  const inputs = ["grades[0]", "grades[1]", "college_code"];
  return { baseline: 7, contributions: values.map((value, i) => ({ input: inputs[i], value })) };
}

test("the biggest push up and pull down are named, with signs and the group's code", () => {
  const sentence = explanationSentence(explanation([0.2, -0.4, 0.5]), CARD, { grades: [7, 6], college_code: 115 }, 7.3);
  assert.equal(sentence, `${START}, College 115 pushed the forecast up most (+0.50) and ` +
    "Semester 2 pulled it down most (\u22120.40), bringing it to 7.30.");
});

test("what rounds to 0.00 moved nothing worth naming", () => {
  const sentence = explanationSentence(explanation([0.004, -0.004, 0]), CARD, { grades: [7, 6] }, 7);
  assert.equal(sentence, `${START}, no input moved this forecast by as much as 0.01.`);
});
