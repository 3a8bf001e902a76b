// "How the model is doing": GET /monitoring's answer as table rows.
import assert from "node:assert/strict";
import { test } from "node:test";

import { monitoringRows, scatterChoices } from "../../app/static/monitoring.js";

const figures = (extra) => ({
  forecasts: 40, outcomes: 30, mae: 0.41, mse: 0.3, coverage: 0.8, coverage_interval: [0.63, 0.9],
  expected: { mse: 0.265, level: 0.9 }, ...extra,
});

test("one row per scope, groups named as the card names them, coverage with its interval", () => {
  const report = {
    overall: figures(),
    by_model_version: [{ model_version: "1.0.0+abc", ...figures() }],
    by_group: [{ group: "165", ...figures() }, { group: null, ...figures({ outcomes: 0, mae: null, mse: null, coverage: null, coverage_interval: null }) }],
  };

  const rows = monitoringRows(report, "College Code");

  assert.deepEqual(rows.map((row) => row.scope), ["Overall", "Model 1.0.0+abc", "College Code 165", "No college code"]);
  assert.deepEqual(rows[0], {
    scope: "Overall",
    graded: "30 of 40",
    mae: "0.41",
    mse: "0.300 (card 0.265)",
    coverage: "80% (95% CI 63%–90%; promised 90%)",
  });
  assert.equal(rows[3].coverage, "–");
  assert.equal(rows[3].mse, "– (card 0.265)");
});

test("the scatter can show every point, one model version's or one group's", () => {
  const points = [
    { model_version: "v2", group: "165" }, { model_version: "v1", group: null }, { model_version: "v1", group: "165" },
  ];

  const choices = scatterChoices(points, "College Code");

  assert.deepEqual(choices.map((choice) => choice.label), ["Every model and group", "Model v1", "Model v2", "College Code 165", "No college code"]);
  assert.equal(points.filter(choices[1].keep).length, 2);
  assert.equal(points.filter(choices[3].keep).length, 2);
  assert.equal(points.filter(choices[4].keep).length, 1);
});
