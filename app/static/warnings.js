// A forecast's warnings in the page's words, from each warning's code and fields
// (`warning_details` in the API's answer), never from parsing the API's English sentences.

import { inputName } from "./card.js";

const EXTRAPOLATION = "outside the grades the model saw in training at that semester, so " +
  "this forecast is an extrapolation: trust it less.";

// Six significant digits, as the server prints the numbers it sends (Python's `:g`).
const number = (value) => String(Number(value.toPrecision(6)));
const position = (field) => Number(/^grades\[(\d+)\]$/.exec(field)?.[1]);

/** One warning, named as the page names the fields; a code this page does not know yet is
 * shown as the server's sentence. */
export function warningText(detail, card, student) {
  if (detail.code === "unknown_group") {
    const label = card.group.label;
    return `${label} ${student.college_code} is unknown to the model; it was predicted as an unknown ${label}.`;
  }
  if (detail.code === "unusual_grades") {
    const grades = detail.fields.map((field) => {
      const at = position(field);
      const seen = card.grade_range_by_position[at];
      const range = seen ? ` (training: ${number(seen.low)}\u2013${number(seen.high)})` : "";
      return `${inputName(field, card)} = ${number(student.grades[at])}${range}`;
    });
    return `${grades.join("; ")}: ${EXTRAPOLATION}`;
  }
  return detail.message;
}

/** Every warning of an answer in the page's words; the bare sentences from a server that
 * sends no details. */
export function warningTexts(prediction, card, student) {
  return prediction.warning_details?.map((detail) => warningText(detail, card, student)) ?? prediction.warnings;
}
