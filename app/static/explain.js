// Why the forecast is what it is: the API's Shapley values (how far each semester's grade and
// the group moved the forecast from a typical student's) as a horizontal bar chart drawn in
// SVG, and one plain sentence naming the biggest push up and down.

import { inputName } from "./card.js";
import { addSvg as add } from "./dom.js";

const ROW = 30;
const PAD = { top: 8, bottom: 26, value: 48 }; // `value`: room for "+0.45" past a bar's end
const CHAR = 7.2; // an average 12px system-font character, to fit the labels' column
const SHOWN = 0.005; // what rounds to 0.00 moved nothing worth saying

// A contribution that rounds to zero is shown unsigned: "\u22120.00" would claim a direction.
const signed = (value) =>
  Math.abs(value) < SHOWN ? "0.00" : `${value > 0 ? "+" : "\u2212"}${Math.abs(value).toFixed(2)}`;

/** Each contribution with the name the page uses for its input. */
function named(explanation, card, student) {
  return explanation.contributions.map(({ input, value }) => {
    let name = inputName(input, card);
    if (input === "college_code") name += student.college_code === undefined ? " (not given)" : ` ${student.college_code}`;
    return { input, value, name };
  });
}

/** One sentence: the baseline, the biggest push up, the biggest pull down, the result. */
export function explanationSentence(explanation, card, student, predicted) {
  const rows = named(explanation, card, student);
  const count = student.grades.length;
  const start = "Compared with a typical student (the training data's average grade in each of " +
    `${count === 1 ? "this semester" : `these ${count} semesters`}, forecast ${explanation.baseline.toFixed(2)})`;
  const up = rows.filter((row) => row.value >= SHOWN).sort((a, b) => b.value - a.value)[0];
  const down = rows.filter((row) => row.value <= -SHOWN).sort((a, b) => a.value - b.value)[0];
  if (!up && !down) return `${start}, no input moved this forecast by as much as 0.01.`;
  const moves = [];
  if (up) moves.push(`${up.name} pushed the forecast up most (${signed(up.value)})`);
  if (down) moves.push(`${down.name} pulled it down most (${signed(down.value)})`);
  return `${start}, ${moves.join(" and ")}, bringing it to ${predicted.toFixed(2)}.`;
}

/** The bars, one per input, right of the zero line for a push up, left for a pull down. */
export function drawExplanation(container, explanation, card, student) {
  const rows = named(explanation, card, student);
  const width = Math.max(280, Math.round(container.clientWidth || 640));
  const longest = Math.max(...rows.map((row) => row.name.length));
  const labelWidth = Math.min(Math.round(width * 0.45), Math.ceil(12 + CHAR * longest));
  const fits = Math.floor((labelWidth - 12) / CHAR);
  const height = PAD.top + rows.length * ROW + PAD.bottom;
  // One linear scale from the biggest pull down to the biggest push up (zero always in it),
  // so a push and a pull of one size look the same size, and no side is drawn empty.
  const lowest = Math.min(0, ...rows.map((row) => row.value));
  const highest = Math.max(0, ...rows.map((row) => row.value));
  const span = Math.max(0.01, highest - lowest);
  const left = labelWidth + (lowest < 0 ? PAD.value : 8);
  const plot = width - left - (highest > 0 ? PAD.value : 8);
  const x = (value) => left + ((value - lowest) / span) * plot;
  const zero = x(0);

  container.replaceChildren();
  const svg = add(container, "svg", {
    viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img",
    "aria-labelledby": "explain-title explain-desc",
  });
  add(svg, "title", { id: "explain-title" }, "How each input moved the forecast");
  add(svg, "desc", { id: "explain-desc" },
    `From the typical student's ${explanation.baseline.toFixed(2)}: ` +
    rows.map((row) => `${row.name} ${signed(row.value)}`).join(", ") + ".");

  rows.forEach((row, i) => {
    const top = PAD.top + i * ROW;
    const middle = top + ROW / 2;
    const label = row.name.length > fits ? `${row.name.slice(0, Math.max(1, fits - 1))}\u2026` : row.name;
    add(svg, "text", { class: "axis-label", x: labelWidth - 8, y: middle + 4, "text-anchor": "end" }, label);
    const direction = row.value > 0 ? "up" : row.value < 0 ? "down" : "none";
    const end = x(row.value);
    const bar = add(svg, "rect", {
      class: `contribution ${direction}`, x: Math.min(zero, end), y: top + 5,
      width: Math.max(1, Math.abs(end - zero)), height: ROW - 10,
      "data-input": row.input, "data-value": row.value,
    });
    add(bar, "title", {}, `${row.name}: ${signed(row.value)}`);
    const after = row.value < 0 ? { x: end - 6, "text-anchor": "end" } : { x: end + 6, "text-anchor": "start" };
    add(svg, "text", { class: "contribution-value", ...after, y: middle + 4 }, signed(row.value));
  });
  const bottom = PAD.top + rows.length * ROW;
  add(svg, "line", { class: "zero-line", x1: zero, x2: zero, y1: PAD.top, y2: bottom });
  add(svg, "text", { class: "axis-label", x: zero - 8, y: bottom + 18, "text-anchor": "end" }, "\u2190 down");
  add(svg, "text", { class: "axis-label", x: zero + 8, y: bottom + 18, "text-anchor": "start" }, "up \u2192");
}
