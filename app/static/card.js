// Everything the page says about the model comes from its card (GET /model): the grade scale,
// the longest history, the group column's name and codes. Nothing here assumes one
// institution's data, so a card trained on a 0-4 scale with "Programme" codes reads right.

import { $ } from "./dom.js";

const DASH = "\u2013";

/** "0–10": the scale as people write it. */
export function scaleText(card) {
  return `${card.grade_scale.low}${DASH}${card.grade_scale.high}`;
}

/** 1 -> "1st", 12 -> "12th": the training data's own column names. */
export function ordinal(number) {
  const tens = number % 100, ones = number % 10;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[ones] ?? "th";
  return `${number}${suffix}`;
}

/** What an answer's input name ("grades[2]", "college_code") is called on this page. */
export function inputName(input, card) {
  const grade = /^grades\[(\d+)\]$/.exec(input);
  if (grade) return `Semester ${Number(grade[1]) + 1}`;
  return input === "college_code" ? card.group.label : input;
}

/** The code as the card types it (a number for integer codes), from a picker's text value. */
export function codeOf(value, card) {
  return card.group.codes.find((code) => String(code) === value) ?? value;
}

function codeElement(text) {
  const element = document.createElement("code");
  element.textContent = text;
  return element;
}

/** The CSV help lists the columns this model reads: 1st..Nth (or Sem 1.., Term 1..), and
 * the group column under the name the training file gave it. */
function describeCsvColumns(card) {
  const count = card.max_history;
  const names = count <= 4
    ? Array.from({ length: count }, (_, i) => ordinal(i + 1))
    : [ordinal(1), ordinal(2), "\u2026", ordinal(count)];
  const parts = ["One student per row, with grade columns "];
  names.forEach((name, i) => parts.push(...(i ? [", "] : []), name === "\u2026" ? name : codeElement(name)));
  parts.push(" (or ", codeElement("Sem 1"), ", ", codeElement("Sem 2"), " \u2026 or ", codeElement("Term 1"), " \u2026), on the ",
    `${scaleText(card)} scale; fewer than ${count} is fine, and a blank cell ends a student's history.`);
  if (card.group.column !== null) parts.push(" An optional column ", codeElement(card.group.column), ` gives the ${card.group.label}.`);
  parts.push(" Comma, semicolon or tab separated. The forecasts are shown below and can be downloaded as the same file with columns added.");
  $("csv-help").replaceChildren(...parts);
}

/** Fills every card-derived text and the group picker; keeps the picker's choice if the new
 * card still has it. */
export function applyCard(card) {
  const scale = scaleText(card);
  for (const element of document.querySelectorAll(".scale-text")) element.textContent = scale;
  for (const element of document.querySelectorAll(".history-text")) {
    element.textContent = card.max_history === 1 ? "1 semester" : `1 to ${card.max_history} semesters`;
  }
  for (const input of document.querySelectorAll(".cutoff")) {
    input.placeholder = scale;
    // The server's default cut-off, once: a value the person typed is theirs.
    if (card.risk_default != null && input.dataset.touched !== "yes") input.value = String(card.risk_default);
  }
  const hasGroup = card.group.column !== null && card.group.codes.length > 0;
  $("group-field").hidden = !hasGroup;
  $("group-label").textContent = `${card.group.label} (optional)`;
  const select = $("college");
  const chosen = select.value;
  select.replaceChildren(select.options[0]);
  for (const value of card.group.codes) select.add(new Option(String(value), String(value)));
  select.value = card.group.codes.map(String).includes(chosen) ? chosen : "";
  $("legend-level").textContent = `${Math.round(card.interval.level * 100)}%`;
  $("model-version").textContent = `Model ${card.model_version}.`;
  describeCsvColumns(card);
}
