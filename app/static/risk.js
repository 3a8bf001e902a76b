// The risk of falling below a cut-off, in words and as a bar. The probability is the API's
// (its conformal predictive distribution); the page only words it and draws it.

import { readNumber } from "./history.js";
import { addSvg as add } from "./dom.js";

const BAR = { width: 300, height: 18 };

/** The cut-off to send: undefined when the field is empty, a number, or the text as typed
 * (so the API's message, shown under the field, says what is wrong with it). */
export function cutoffFrom(input) {
  const value = readNumber(input.value);
  return value === null ? undefined : value;
}

/** Sets `student.risk_below` from a cut-off field. An empty field sends nothing, except when
 * the server has a default cut-off: then an explicit null, because the person cleared it. */
export function askForRisk(student, input, card) {
  const cutoff = cutoffFrom(input);
  if (cutoff !== undefined) student.risk_below = cutoff;
  else if (card?.risk_default != null) student.risk_below = null;
  return student;
}

/** 0.234 -> "23%"; never "0%" or "100%" for a chance that is not exactly that, since an
 * advisor reads those as certainties. */
export function percentText(probability) {
  if (probability > 0 && probability < 0.01) return "less than 1%";
  if (probability < 1 && probability > 0.99) return "more than 99%";
  return `${Math.round(probability * 100)}%`;
}

export function riskWords(risk) {
  return `${percentText(risk.probability)} chance of falling below ${risk.below}`;
}

/** A bar the width of the chance: drawn in SVG attributes, as the page's policy forbids inline
 * styles. The words beside it carry the number, so the picture is decoration for a reader. */
export function drawRiskBar(container, risk) {
  container.replaceChildren();
  const svg = add(container, "svg", {
    viewBox: `0 0 ${BAR.width} ${BAR.height}`, width: "100%", height: BAR.height,
    preserveAspectRatio: "none", "aria-hidden": "true", class: "risk-bar",
  });
  add(svg, "rect", { class: "risk-track", x: 0, y: 0, width: BAR.width, height: BAR.height, rx: 3 });
  add(svg, "rect", {
    class: `risk-fill${risk.probability >= 0.5 ? " risk-high" : ""}`, x: 0, y: 0, rx: 3,
    width: (BAR.width * risk.probability).toFixed(1), height: BAR.height,
    "data-probability": risk.probability,
  });
}

/** Shows the answer's risk, or hides the block when the answer has none. */
export function showRisk(block, words, bar, prediction) {
  block.hidden = !prediction.risk;
  if (!prediction.risk) return;
  const text = riskWords(prediction.risk);
  words.textContent = `${text.charAt(0).toUpperCase()}${text.slice(1)} in semester ${prediction.semester}.`;
  drawRiskBar(bar, prediction.risk);
}
