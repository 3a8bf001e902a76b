// Many students from a CSV file: read it as training reads it (csv.js), ask the API in chunks
// (with the cut-off, when one is set), then show the cohort table and offer the download.

import { callApi } from "./api.js";
import { buildCohort, hideCohort, showCohort } from "./cohort.js";
import { describeRowError, resultsCsv, studentsFromCsv } from "./csv.js";
import { askForPath } from "./path.js";
import { askForRisk } from "./risk.js";
import { $, listInto } from "./dom.js";

const BATCH_CHUNK = 500; // well under the server's default CGPA_MAX_BATCH of 1000
const SHOWN_PROBLEMS = 20; // a long list of typos helps nobody; fix these and upload again

function batchReport(message, errors = []) {
  $("batch-message").textContent = message;
  listInto($("batch-errors"), errors);
}

/** The cut-off is one value sent with every student: its message belongs once under its
 * field, not on every line of the file. */
function showCutoffError(message) {
  $("batch-cutoff-error").textContent = message;
  $("batch-cutoff").toggleAttribute("aria-invalid", Boolean(message));
}

/** Sends every student, BATCH_CHUNK at a time. Returns {predictions} or {failure} (a message
 * with the lines to fix) or {cutoffProblem}. */
async function predictAll(parsed, onKeyNeeded) {
  const predictions = [], problems = [];
  for (let offset = 0; offset < parsed.students.length; offset += BATCH_CHUNK) {
    const students = parsed.students.slice(offset, offset + BATCH_CHUNK).map((student, i) => {
      const id = parsed.ids[offset + i];
      return id ? { ...student, student_id: id } : student;
    });
    const { status, body } = await callApi("POST", "/predict/batch", { students });
    if (status === 200) predictions.push(...body.predictions);
    else if (status === 422 && Array.isArray(body.detail)) {
      const cutoff = body.detail.find((detail) => /\.(risk|final)_below$/.test(detail.field));
      if (cutoff) return { cutoffProblem: cutoff.message };
      problems.push(...body.detail.map((detail) => describeRowError(parsed, detail, offset)));
    } else {
      if (status === 401) onKeyNeeded(body.message);
      return { failure: [`Nothing was predicted: ${body.message}`, []] };
    }
  }
  if (problems.length === 0) return { predictions };
  const lines = new Set(problems.map((problem) => problem.line)).size;
  const texts = problems.slice(0, SHOWN_PROBLEMS).map((problem) => problem.text);
  if (problems.length > SHOWN_PROBLEMS) texts.push(`… and ${problems.length - SHOWN_PROBLEMS} more.`);
  const needs = lines === 1 ? "1 line of the file needs" : `${lines} lines of the file need`;
  return { failure: [`Nothing was predicted: ${needs} fixing.`, texts] };
}

function summary(cohort, parsed, card) {
  const count = cohort.rows.length;
  const parts = [`Predicted ${count} ${count === 1 ? "student" : "students"}.`];
  if (cohort.withRisk) {
    const flagged = cohort.rows.filter((row) => row.flagged).length;
    parts.push(`${flagged} flagged: more likely than not to fall below ${cohort.rows[0].below}.`);
  }
  const warned = cohort.rows.filter((row) => row.warnings.length > 0).length;
  if (warned > 0) {
    parts.push(`${warned} ${warned === 1 ? "forecast carries" : "forecasts carry"} a warning ` +
      "(the download's warnings column says why).");
  }
  if (parsed.unused.length) {
    parts.push(`Column(s) ${parsed.unused.join(", ")} not used: the model reads at most ${card.max_history} semesters.`);
  }
  return parts.join(" ");
}

/** Wires the batch form; `context` gives the card (loading it first if needed) and shows the
 * key field when the server asks for one. */
export function setUpBatch(context) {
  const link = $("batch-download");
  $("batch-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("csv-file").files[0];
    link.hidden = true;
    if (link.href) URL.revokeObjectURL(link.href);
    hideCohort();
    showCutoffError("");
    if (!file) return batchReport("Choose a CSV file first.");
    const card = await context.card();
    if (!card) return batchReport("The model card could not be loaded, so the file cannot be read yet.");
    let parsed;
    try {
      parsed = studentsFromCsv(await file.text(), card);
    } catch (error) {
      return batchReport(error.message);
    }
    if (parsed.students.length === 0) return batchReport("The file has a header but no students.");
    for (const student of parsed.students) {
      askForRisk(student, $("batch-cutoff"), card);
      askForPath(student, $("batch-cutoff"), card);
    }
    batchReport(`Predicting ${parsed.students.length} students…`);
    $("batch-button").disabled = true;
    const outcome = await predictAll(parsed, context.showKeyNeeded);
    $("batch-button").disabled = false;
    if (outcome.cutoffProblem) {
      showCutoffError(outcome.cutoffProblem);
      batchReport("Nothing was predicted: the cut-off needs fixing.");
      return $("batch-cutoff").focus();
    }
    if (outcome.failure) return batchReport(...outcome.failure);
    const cohort = buildCohort(parsed, outcome.predictions, card);
    batchReport(summary(cohort, parsed, card));
    showCohort(cohort);
    const blob = new Blob([resultsCsv(parsed, cohort)], { type: "text/csv" });
    link.href = URL.createObjectURL(blob);
    link.download = file.name.replace(/\.(csv|tsv|txt)$/i, "") + "-predictions.csv";
    link.hidden = false;
    link.focus();
  });
}
