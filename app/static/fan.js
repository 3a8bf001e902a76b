// The road to graduation as a fan chart, in plain SVG: the past grades as a line, every
// remaining semester's forecast with its interval as a band that widens as the horizon
// grows, and the final CGPA beside them with its own interval (and its risk, in words).
// Every number is the API's (`path`, `final_cgpa`); the page only draws and words them.

import { percentText } from "./risk.js";
import { addSvg as add } from "./dom.js";

const MARGIN = { top: 16, right: 24, bottom: 40, left: 44 };
const HEIGHT = 280;

/** The band's outline: from the last grade (no width: it is known) along the intervals' high
 * ends, then back along their low ends. Points are [semester, grade]. */
export function fanOutline(grades, path) {
  const start = [grades.length, grades[grades.length - 1]];
  const highs = path.map((point) => [point.semester, point.interval.high]);
  const lows = path.map((point) => [point.semester, point.interval.low]).reverse();
  return [start, ...highs, ...lows];
}

/** The final CGPA in one sentence, with its risk when one was asked for. */
export function finalWords(final, level) {
  const percent = Math.round(level * 100);
  const { low, high } = final.interval;
  let text = `Final CGPA over all ${final.semesters} semesters: about ` +
    `${final.predicted_cgpa.toFixed(2)} (${percent}% interval ${low.toFixed(2)} to ${high.toFixed(2)}).`;
  if (final.risk) {
    text += ` ${percentText(final.risk.probability)} chance of finishing below ${final.risk.below}.`;
  }
  return text;
}

/** The grade axis: whole steps of the scale's tenth around every value drawn. */
function axisRange(values, scale) {
  const unit = (scale.high - scale.low) / 10;
  const low = Math.max(scale.low, Math.floor((Math.min(...values) - unit / 4) / unit) * unit);
  const high = Math.min(scale.high, Math.ceil((Math.max(...values) + unit / 4) / unit) * unit);
  return { low, high: Math.max(high, low + 2 * unit), step: unit * ((high - low) / unit > 6 ? 2 : 1) };
}

const tick = (value) => String(Number(value.toFixed(6)));

/** Draws the fan into `container` from an answer that has `path` and `final_cgpa`. */
export function drawFan(container, grades, prediction, scale) {
  const path = prediction.path;
  const final = prediction.final_cgpa;
  const width = Math.max(280, Math.round(container.clientWidth || 640));
  const level = path[0].interval.level;
  const values = [...grades, ...path.flatMap((p) => [p.interval.low, p.interval.high]),
    final.interval.low, final.interval.high, ...(final.risk ? [final.risk.below] : [])];
  const range = axisRange(values, scale);
  const slots = final.semesters + 1; // every semester, then the final CGPA
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (slot) => MARGIN.left + ((slot - 0.5) / slots) * plotWidth;
  const y = (grade) => MARGIN.top + ((range.high - grade) / (range.high - range.low)) * plotHeight;
  const percent = Math.round(level * 100);
  const last = path[path.length - 1];

  container.replaceChildren();
  const svg = add(container, "svg", {
    viewBox: `0 0 ${width} ${HEIGHT}`, width: "100%", role: "img",
    "aria-labelledby": "fan-title fan-desc",
  });
  add(svg, "title", { id: "fan-title" }, "Past grades, every remaining semester and the final CGPA");
  add(svg, "desc", { id: "fan-desc" },
    `Semesters 1 to ${grades.length}: ${grades.map((g) => g.toFixed(2)).join(", ")}. ` +
    path.map((p) => `Semester ${p.semester}: ${p.predicted_cgpa.toFixed(2)} ` +
      `(${percent}% interval ${p.interval.low.toFixed(2)} to ${p.interval.high.toFixed(2)}).`).join(" ") +
    ` ${finalWords(final, level)}`);

  for (let grade = range.low; grade <= range.high + 1e-9; grade += range.step) {
    add(svg, "line", { class: "grid", x1: MARGIN.left, x2: width - MARGIN.right, y1: y(grade), y2: y(grade) });
    add(svg, "text", { class: "axis-label", x: MARGIN.left - 8, y: y(grade) + 4, "text-anchor": "end" }, tick(grade));
  }
  for (let slot = 1; slot <= slots; slot++) {
    const text = slot > final.semesters ? "Final" : `Sem ${slot}`;
    add(svg, "text", { class: "axis-label", x: x(slot), y: HEIGHT - MARGIN.bottom + 18, "text-anchor": "middle" }, text);
  }

  add(svg, "polygon", {
    class: "fan-band",
    points: fanOutline(grades, path).map(([semester, grade]) => `${x(semester)},${y(grade)}`).join(" "),
  });
  const forecastLine = [[grades.length, grades[grades.length - 1]], ...path.map((p) => [p.semester, p.predicted_cgpa])];
  add(svg, "polyline", { class: "fan-line", points: forecastLine.map(([s, g]) => `${x(s)},${y(g)}`).join(" ") });
  add(svg, "polyline", { class: "history-line", points: grades.map((g, i) => `${x(i + 1)},${y(g)}`).join(" ") });
  grades.forEach((grade, i) => {
    const point = add(svg, "circle", { class: "fan-history-point", cx: x(i + 1), cy: y(grade), r: 5 });
    add(point, "title", {}, `Semester ${i + 1}: ${grade.toFixed(2)}`);
  });
  for (const p of path) {
    const point = add(svg, "circle", {
      class: "path-point", cx: x(p.semester), cy: y(p.predicted_cgpa), r: 4,
      "data-semester": p.semester, "data-value": p.predicted_cgpa,
      "data-low": p.interval.low, "data-high": p.interval.high,
    });
    add(point, "title", {}, `Semester ${p.semester}: ${p.predicted_cgpa.toFixed(2)}, ` +
      `${percent}% interval ${p.interval.low.toFixed(2)} to ${p.interval.high.toFixed(2)}`);
  }

  const fx = x(slots);
  const { low, high } = final.interval;
  const bar = add(svg, "g", { class: "final-bar", "data-low": low, "data-high": high });
  add(bar, "line", { x1: fx, x2: fx, y1: y(low), y2: y(high) });
  add(bar, "line", { x1: fx - 8, x2: fx + 8, y1: y(low), y2: y(low) });
  add(bar, "line", { x1: fx - 8, x2: fx + 8, y1: y(high), y2: y(high) });
  add(bar, "title", {}, `${percent}% interval of the final CGPA: ${low.toFixed(2)} to ${high.toFixed(2)}`);
  if (final.risk) {
    add(svg, "line", {
      class: "final-cutoff", x1: x(last.semester) + 8, x2: fx + 12,
      y1: y(final.risk.below), y2: y(final.risk.below), "data-below": final.risk.below,
    });
  }
  const point = add(svg, "rect", {
    class: "final-point", x: fx - 6, y: y(final.predicted_cgpa) - 6, width: 12, height: 12,
    transform: `rotate(45 ${fx} ${y(final.predicted_cgpa)})`, "data-value": final.predicted_cgpa,
  });
  add(point, "title", {}, `Final CGPA: ${final.predicted_cgpa.toFixed(2)}`);
}
