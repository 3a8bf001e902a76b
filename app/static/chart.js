// The forecast as a picture, in plain SVG: past semesters as a line, the forecast as a point
// with an error bar for its interval.

import { addSvg as add } from "./dom.js";

const MARGIN = { top: 16, right: 24, bottom: 40, left: 44 };
const HEIGHT = 260;

/** A round step near `size`: 1, 2 or 5 times a power of ten. */
function niceStep(size) {
  const power = 10 ** Math.floor(Math.log10(size));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= size * 0.99);
}

/** The grade axis: round numbers around the data, at least a fifth of the scale tall, within
 * the model's scale (0-10 gives whole numbers, 0-4 halves, 0-100 tens). */
function gradeRange(values, scale) {
  const unit = niceStep((scale.high - scale.low) / 10);
  let low = Math.max(scale.low, Math.floor((Math.min(...values) - unit / 4) / unit) * unit);
  let high = Math.min(scale.high, Math.ceil((Math.max(...values) + unit / 4) / unit) * unit);
  while (high - low < 2 * unit - 1e-9) { if (low > scale.low) low -= unit; else high += unit; }
  return { low, high, step: (high - low) / unit > 6 ? 2 * unit : unit };
}

// 0.1 + 0.2 must label as 0.3.
const tick = (value) => String(Number(value.toFixed(6)));

export function drawChart(container, grades, prediction, scale) {
  // Drawn at the container's real width so text keeps its size on a phone.
  const width = Math.max(280, Math.round(container.clientWidth || 640));
  const { low: intervalLow, high: intervalHigh, level } = prediction.interval;
  const range = gradeRange([...grades, intervalLow, intervalHigh, prediction.predicted_cgpa], scale);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (semester) => MARGIN.left + ((semester - 0.5) / (grades.length + 1)) * plotWidth;
  const y = (grade) => MARGIN.top + ((range.high - grade) / (range.high - range.low)) * plotHeight;
  const percent = Math.round(level * 100);

  container.replaceChildren();
  const svg = add(container, "svg", {
    viewBox: `0 0 ${width} ${HEIGHT}`, width: "100%", role: "img",
    "aria-labelledby": "chart-title chart-desc",
  });
  add(svg, "title", { id: "chart-title" }, "Past grades and the forecast");
  add(svg, "desc", { id: "chart-desc" },
    `Semesters 1 to ${grades.length}: ${grades.map((g) => g.toFixed(2)).join(", ")}. ` +
    `Forecast for semester ${prediction.semester}: ${prediction.predicted_cgpa.toFixed(2)}, ` +
    `${percent}% interval ${intervalLow.toFixed(2)} to ${intervalHigh.toFixed(2)}.`);

  for (let grade = range.low; grade <= range.high + 1e-9; grade += range.step) {
    add(svg, "line", { class: "grid", x1: MARGIN.left, x2: width - MARGIN.right, y1: y(grade), y2: y(grade) });
    add(svg, "text", { class: "axis-label", x: MARGIN.left - 8, y: y(grade) + 4, "text-anchor": "end" }, tick(grade));
  }
  for (let semester = 1; semester <= grades.length + 1; semester++) {
    const labelAt = { class: "axis-label", x: x(semester), "text-anchor": "middle" };
    add(svg, "text", { ...labelAt, y: HEIGHT - MARGIN.bottom + 18 }, `Sem ${semester}`);
    if (semester > grades.length) add(svg, "text", { ...labelAt, y: HEIGHT - MARGIN.bottom + 33 }, "forecast");
  }

  const last = grades.length;
  add(svg, "line", { class: "forecast-link", x1: x(last), y1: y(grades[last - 1]), x2: x(last + 1), y2: y(prediction.predicted_cgpa) });
  add(svg, "polyline", { class: "history-line", points: grades.map((g, i) => `${x(i + 1)},${y(g)}`).join(" ") });
  grades.forEach((grade, i) => {
    const point = add(svg, "circle", { class: "history-point", cx: x(i + 1), cy: y(grade), r: 5 });
    add(point, "title", {}, `Semester ${i + 1}: ${grade.toFixed(2)}`);
  });

  const px = x(last + 1);
  const bar = add(svg, "g", { class: "interval-bar", "data-low": intervalLow, "data-high": intervalHigh });
  add(bar, "line", { x1: px, x2: px, y1: y(intervalLow), y2: y(intervalHigh) });
  add(bar, "line", { x1: px - 8, x2: px + 8, y1: y(intervalLow), y2: y(intervalLow) });
  add(bar, "line", { x1: px - 8, x2: px + 8, y1: y(intervalHigh), y2: y(intervalHigh) });
  add(bar, "title", {}, `${percent}% interval: ${intervalLow.toFixed(2)} to ${intervalHigh.toFixed(2)}`);
  const point = add(svg, "rect", {
    class: "prediction-point", x: px - 6, y: y(prediction.predicted_cgpa) - 6, width: 12, height: 12,
    transform: `rotate(45 ${px} ${y(prediction.predicted_cgpa)})`,
  });
  add(point, "title", {}, `Forecast: ${prediction.predicted_cgpa.toFixed(2)}`);
}
