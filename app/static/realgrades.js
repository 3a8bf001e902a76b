// "Upload real grades": the cohort file's shape (csv.js: the delimiter, ordinal semester
// columns) with a student id column; every grade from the 2nd semester on becomes an outcome
// for POST /outcomes (the 1st can never have been forecast), sent in chunks, and the counts
// are shown.

import { callApi } from "./api.js";
import { CsvError, gradeColumnsOf, isMissing, normalise, parseCsv, sniffDelimiter, studentIdIndex } from "./csv.js";
import { $, listInto } from "./dom.js";

const OUTCOMES_CHUNK = 5000; // under the server's default CGPA_MAX_OUTCOMES of 10,000
const SHOWN_PROBLEMS = 20;

/** The outcomes of a real-grades file, each with the line and column it came from. */
export function outcomesFromCsv(text) {
  const delimiter = sniffDelimiter(text);
  const [header, ...rows] = parseCsv(text, delimiter);
  if (!header) throw new CsvError(null, "The file is empty.");
  const names = header.cells.map(normalise);
  const idIndex = studentIdIndex(names);
  if (idIndex < 0) throw new CsvError(header.line, "No student id column: name one column student_id (or Student ID).");
  const columns = gradeColumnsOf(header, names);
  const outcomes = [], sources = [];
  for (const { line, cells } of rows) {
    const studentId = (cells[idIndex] ?? "").trim();
    for (const column of columns.slice(1)) {
      const cell = (cells[column.index] ?? "").trim();
      if (isMissing(cell)) continue;
      const number = Number(cell);
      // A cell that is not a number is sent as written: the server names what is wrong with it.
      outcomes.push({ student_id: studentId, semester: column.number, grade: cell !== "" && Number.isFinite(number) ? number : cell });
      sources.push({ line, column: column.label });
    }
  }
  return { outcomes, sources };
}

/** "outcomes[7].grade" -> "Line 4, column 3rd: <message>". */
export function describeOutcomeError(parsed, field, message, offset) {
  const match = /^outcomes\[(\d+)\]/.exec(field);
  const source = match && parsed.sources[offset + Number(match[1])];
  return source ? `Line ${source.line}, column ${source.column}: ${message}` : `${field}: ${message}`;
}

export function countsSentence(counts) {
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  return `Received ${plural(counts.received, "grade", "grades")}: ${counts.matched} matched to a forecast, ` +
    `${counts.unmatched} without one (kept for training), ${counts.duplicates} already recorded.`;
}

function report(message, problems = []) {
  $("outcomes-message").textContent = message;
  listInto($("outcomes-errors"), problems);
}

async function sendAll(parsed, onKeyNeeded) {
  const total = { received: 0, matched: 0, unmatched: 0, duplicates: 0 };
  for (let offset = 0; offset < parsed.outcomes.length; offset += OUTCOMES_CHUNK) {
    const outcomes = parsed.outcomes.slice(offset, offset + OUTCOMES_CHUNK);
    const { status, body } = await callApi("POST", "/outcomes", { outcomes });
    if (status !== 200) {
      if (status === 401) onKeyNeeded(body.message);
      const details = Array.isArray(body.detail) ? body.detail : [];
      const texts = details.slice(0, SHOWN_PROBLEMS).map((d) => describeOutcomeError(parsed, d.field, d.message, offset));
      const sent = offset ? ` (the first ${offset} were recorded; send the file again once fixed: they count as already recorded)` : "";
      return { failure: [`Not recorded: ${texts.length ? "the file needs fixing" : body.message}${sent}.`, texts] };
    }
    for (const name of Object.keys(total)) total[name] += body[name];
  }
  return { total };
}

export function setUpRealGrades(context) {
  $("outcomes-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("outcomes-file").files[0];
    if (!file) return report("Choose a CSV file first.");
    let parsed;
    try {
      parsed = outcomesFromCsv(await file.text());
    } catch (error) {
      return report(error.message);
    }
    if (parsed.outcomes.length === 0) return report("The file has no grades from the 2nd semester on.");
    const count = parsed.outcomes.length;
    report(`Sending ${count} ${count === 1 ? "grade" : "grades"}…`);
    $("outcomes-button").disabled = true;
    const outcome = await sendAll(parsed, context.showKeyNeeded);
    $("outcomes-button").disabled = false;
    if (outcome.failure) return report(...outcome.failure);
    report(countsSentence(outcome.total));
    context.refreshMonitoring();
  });
}
