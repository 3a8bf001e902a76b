// The road to graduation on the page: a model whose card has a `path` (format 4) is asked for
// every remaining semester and the final CGPA, with the same cut-off as the next semester's
// risk for the final CGPA's; the answer is drawn as a fan chart (fan.js) and worded.

import { cutoffFrom } from "./risk.js";
import { drawFan, finalWords } from "./fan.js";
import { $ } from "./dom.js";

/** Whether this model forecasts a path: an older card (format 2 or 3) has none, and the API
 * would refuse the request. */
export const hasPath = (card) => Boolean(card?.path);

/** Asks for the path when the model has one, and the final CGPA's risk below the cut-off the
 * person typed (a number only: a typo is reported once, under the cut-off's own field). */
export function askForPath(student, input, card) {
  if (!hasPath(card)) return student;
  student.path = true;
  const cutoff = cutoffFrom(input);
  if (typeof cutoff === "number") student.final_below = cutoff;
  return student;
}

/** The page sends one cut-off as both `risk_below` and `final_below`: a bad one is said once,
 * under the cut-off's field (`risk_below`), not a second time above the button. */
export function oneCutoffProblem(details) {
  const cutoffNamed = details.some((detail) => /(^|\.)risk_below$/.test(detail.field));
  return cutoffNamed ? details.filter((detail) => !/(^|\.)final_below$/.test(detail.field)) : details;
}

/** Shows the fan chart and the final CGPA's words, or hides them for an answer without. */
export function showPath(student, prediction, card) {
  const shown = Boolean(prediction.path && prediction.final_cgpa);
  $("fan-figure").hidden = !shown;
  if (!shown) return;
  drawFan($("fan-chart"), student.grades, prediction, card.grade_scale);
  $("final-words").textContent = finalWords(prediction.final_cgpa, card.interval.level);
}
