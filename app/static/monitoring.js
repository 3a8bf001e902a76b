// "How the model is doing": GET /monitoring as a table (per version and group: the real
// grades, the errors against the card's, the interval's coverage with its 95% confidence
// interval against its level), a predicted-against-actual scatter of the latest real grades,
// and the alerts in the server's own words.

import { callApi } from "./api.js";
import { $, addSvg as add, listInto } from "./dom.js";

const SIZE = 280;
const MARGIN = 36;
const number = (value, digits = 2) => (value === null || value === undefined ? "–" : value.toFixed(digits));
const percent = (value) => (value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`);

/** One table row per scope: overall, each model version, each group (named as the card does). */
export function monitoringRows(report, groupLabel = "Group") {
  const rows = [{ scope: "Overall", figures: report.overall }];
  for (const version of report.by_model_version) rows.push({ scope: `Model ${version.model_version}`, figures: version });
  for (const group of report.by_group) {
    rows.push({ scope: group.group === null ? `No ${groupLabel.toLowerCase()}` : `${groupLabel} ${group.group}`, figures: group });
  }
  return rows.map(({ scope, figures }) => {
    const [low, high] = figures.coverage_interval ?? [null, null];
    return {
      scope,
      graded: `${figures.outcomes} of ${figures.forecasts}`,
      mae: number(figures.mae),
      mse: `${number(figures.mse, 3)} (card ${number(figures.expected.mse, 3)})`,
      coverage: figures.coverage === null ? "–"
        : `${percent(figures.coverage)} (95% CI ${percent(low)}–${percent(high)}; promised ${percent(figures.expected.level)})`,
    };
  });
}

const COLUMNS = [["scope", ""], ["graded", "Real grades of forecasts"], ["mae", "Mean error"],
  ["mse", "Squared error"], ["coverage", "Inside the interval"]];

function fillTable(table, rows) {
  const head = document.createElement("tr");
  for (const [, title] of COLUMNS) head.appendChild(Object.assign(document.createElement("th"), { textContent: title, scope: "col" }));
  const lines = rows.map((row) => {
    const line = document.createElement("tr");
    for (const [key] of COLUMNS) line.appendChild(Object.assign(document.createElement("td"), { textContent: row[key] }));
    return line;
  });
  table.replaceChildren(head, ...lines);
}

/** Predicted (x) against actual (y), the diagonal where they agree; on the card's scale. */
export function drawScatter(container, points, scale) {
  container.replaceChildren();
  const svg = add(container, "svg", { viewBox: `0 0 ${SIZE} ${SIZE}`, role: "img",
    "aria-label": `Predicted against actual for the latest ${points.length} real grades` });
  const span = scale.high - scale.low;
  const at = (value) => MARGIN + ((value - scale.low) / span) * (SIZE - 2 * MARGIN);
  const flip = (value) => SIZE - at(value);
  add(svg, "line", { x1: at(scale.low), y1: flip(scale.low), x2: at(scale.high), y2: flip(scale.high), class: "diagonal" });
  add(svg, "line", { x1: at(scale.low), y1: flip(scale.low), x2: at(scale.high), y2: flip(scale.low), class: "axis" });
  add(svg, "line", { x1: at(scale.low), y1: flip(scale.low), x2: at(scale.low), y2: flip(scale.high), class: "axis" });
  add(svg, "text", { x: SIZE / 2, y: SIZE - 6, "text-anchor": "middle" }, "predicted");
  add(svg, "text", { x: 12, y: SIZE / 2, transform: `rotate(-90 12 ${SIZE / 2})`, "text-anchor": "middle" }, "actual");
  for (const point of points) {
    const inside = point.low <= point.actual && point.actual <= point.high;
    add(svg, "circle", { cx: at(point.predicted), cy: flip(point.actual), r: 3, class: inside ? "inside" : "outside" });
  }
}

/** The scatter's choices: every point, or one model version's, or one group's. */
export function scatterChoices(points, groupLabel = "Group") {
  const versions = [...new Set(points.map((point) => point.model_version))].sort();
  const groups = [...new Set(points.map((point) => point.group))].sort();
  return [
    { label: "Every model and group", keep: () => true },
    ...versions.map((version) => ({ label: `Model ${version}`, keep: (point) => point.model_version === version })),
    ...groups.map((group) => ({
      label: group === null ? `No ${groupLabel.toLowerCase()}` : `${groupLabel} ${group}`,
      keep: (point) => point.group === group,
    })),
  ];
}

function fillScatter(points, card) {
  const scale = { low: card.grade_scale.low, high: card.grade_scale.high };
  const choices = scatterChoices(points, card.group?.label ?? "Group");
  const select = $("monitoring-choice");
  select.replaceChildren(...choices.map((choice, index) => Object.assign(document.createElement("option"), { value: String(index), textContent: choice.label })));
  const draw = () => drawScatter($("monitoring-scatter"), points.filter(choices[Number(select.value)].keep), scale);
  select.onchange = draw;
  draw();
}

export async function showMonitoring(card, onKeyNeeded) {
  const { status, body } = await callApi("GET", "/monitoring");
  $("monitoring-body").hidden = status !== 200;
  if (status !== 200) {
    if (status === 401) onKeyNeeded(body.message);
    $("monitoring-message").textContent = `Not available: ${body.message}`;
    return;
  }
  const total = body.overall.outcomes;
  $("monitoring-message").textContent = total === 0
    ? "No real grades of forecasts yet: upload them above."
    : `${total} real ${total === 1 ? "grade" : "grades"} set against ${total === 1 ? "its forecast" : "their forecasts"}.`;
  fillTable($("monitoring-table"), monitoringRows(body, card?.group?.label ?? "Group"));
  const alerts = body.alerts.map((alert) => alert.message);
  listInto($("monitoring-alerts"), alerts.length ? alerts
    : ["No alerts: nothing is worse than the card promised beyond chance (checked once a group has 30 real grades)."]);
  if (card) fillScatter(body.recent ?? [], card);
}
