// Wires the page to the API: the model card fills the form (card.js), the form asks for one
// forecast with its risk and explanation, a CSV file asks for many (batch.js). The API judges
// every value; the page shows its messages next to the field they name.

import { callApi } from "./api.js";
import { setUpBatch } from "./batch.js";
import { applyCard, codeOf, scaleText } from "./card.js";
import { drawChart } from "./chart.js";
import { drawExplanation, explanationSentence } from "./explain.js";
import { askForPath, oneCutoffProblem, showPath } from "./path.js";
import { historyFrom } from "./history.js";
import { showMonitoring } from "./monitoring.js";
import { setUpRealGrades } from "./realgrades.js";
import { askForRisk, showRisk } from "./risk.js";
import { warningTexts } from "./warnings.js";
import { $, listInto } from "./dom.js";

const FIRST_SEMESTERS = 4;
let card = null;

function showKeyNeeded(message) {
  $("key-row").hidden = false;
  if ($("api-key").value.trim()) showError("api-key", message);
}

async function loadCard() {
  const { status, body } = await callApi("GET", "/model");
  if (status === 401) return showKeyNeeded(body.message);
  if (status !== 200) return showError("form", `The model could not be loaded: ${body.message}`);
  card = body;
  showError("api-key", "");
  applyCard(card);
  const count = gradeInputs().length;
  setSemesterCount(Math.max(card.min_history, Math.min(count, card.max_history)));
}

// ---- semester fields -------------------------------------------------------------------

const gradeInputs = () => [...document.querySelectorAll("#grade-list input")];

function setSemesterCount(count) {
  const list = $("grade-list");
  while (list.children.length > count) list.lastElementChild.remove();
  while (list.children.length < count) {
    const index = list.children.length;
    const item = document.createElement("li");
    item.innerHTML = `<label for="grade-${index}">Semester ${index + 1}</label>
      <input id="grade-${index}" type="text" inputmode="decimal" autocomplete="off"
             aria-describedby="grades-help grade-${index}-error">
      <p id="grade-${index}-error" class="error" data-error-for="grades[${index}]"></p>`;
    list.appendChild(item);
  }
  // The scale in every field, so a person with a 0-4 transcript does not type a 0-10 grade.
  if (card) for (const input of gradeInputs()) input.placeholder = scaleText(card);
  $("add-semester").disabled = count >= (card?.max_history ?? FIRST_SEMESTERS);
  $("remove-semester").disabled = count <= (card?.min_history ?? 1);
}

function changeSemesters(delta) {
  setSemesterCount(gradeInputs().length + delta);
  const inputs = gradeInputs();
  // Keep keyboard focus somewhere useful: on the new field, or on the last one left.
  if (delta > 0 || document.activeElement.disabled) inputs[inputs.length - 1].focus();
}

// ---- messages next to fields -------------------------------------------------------------

/** Writes `message` under the field the API named ("grades[2]", "college_code", ...), or
 * above the button when no field has that name. Returns the field's control, if any. */
function showError(field, message) {
  const target = document.querySelector(`#predict-form [data-error-for="${field}"]`) ?? $("form-error");
  target.textContent = message;
  const control = $(target.id.replace(/-error$/, ""));
  if (control) control.toggleAttribute("aria-invalid", Boolean(message));
  return control;
}

function clearErrors() {
  for (const element of document.querySelectorAll("#predict-form [data-error-for]")) {
    showError(element.dataset.errorFor, "");
  }
  showError("form", "");
}

// ---- one student --------------------------------------------------------------------------

/** On a phone the result sits below the form: bring it into view, or a person who pressed
 * Predict sees nothing change and thinks nothing happened. */
function revealResult() {
  // In view means the forecast, its words and its risk: a headline peeking in at the bottom
  // of the screen is easily missed.
  const top = $("result").getBoundingClientRect().top;
  const last = $("risk").hidden ? $("result-words") : $("risk");
  if (top >= 0 && last.getBoundingClientRect().bottom <= window.innerHeight) return;
  const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  $("result").scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
}

function showResult(student, prediction) {
  const { low, high, level } = prediction.interval;
  const percent = Math.round(level * 100);
  const cgpa = $("predicted-cgpa");
  cgpa.textContent = prediction.predicted_cgpa.toFixed(2);
  cgpa.dataset.value = String(prediction.predicted_cgpa);
  $("result-semester").textContent = prediction.semester;
  $("result-words").textContent =
    `The model expects a GPA of about ${prediction.predicted_cgpa.toFixed(2)} in semester ` +
    `${prediction.semester} (on the ${scaleText(card)} scale). Its ${percent}% interval runs ` +
    `from ${low.toFixed(2)} to ${high.toFixed(2)}: the real grade should land inside such an ` +
    `interval for about ${percent}% of students.`;
  const warnings = warningTexts(prediction, card, student);
  $("result-warnings-block").hidden = warnings.length === 0;
  listInto($("result-warnings"), warnings);
  showRisk($("risk"), $("risk-words"), $("risk-bar"), prediction);
  $("result-placeholder").hidden = true;
  $("result-body").hidden = false;
  $("chart-figure").hidden = false;
  drawChart($("chart"), student.grades, prediction, card.grade_scale);
  showPath(student, prediction, card);
  const explanation = prediction.explanation;
  $("explain-figure").hidden = !explanation;
  if (explanation) {
    drawExplanation($("explain-chart"), explanation, card, student);
    $("explain-words").textContent = explanationSentence(explanation, card, student, prediction.predicted_cgpa);
  }
  revealResult();
}

function showPlaceholder() {
  $("result-placeholder").hidden = false;
  for (const id of ["result-body", "chart-figure", "explain-figure", "fan-figure"]) $(id).hidden = true;
}

async function predictOne(event) {
  event.preventDefault();
  clearErrors();
  showPlaceholder(); // an earlier forecast must not pass for the answer to these grades
  // Without a card (a key is needed, say) the request still goes: its answer says why.
  if (!card) await loadCard();
  const student = { grades: historyFrom(gradeInputs().map((input) => input.value)) };
  if ($("college").value !== "") student.college_code = codeOf($("college").value, card);
  askForRisk(student, $("cutoff"), card);
  askForPath(student, $("cutoff"), card);
  $("predict-button").disabled = true;
  const { status, body } = await callApi("POST", "/predict", { ...student, explain: true });
  $("predict-button").disabled = false;
  if (status === 200 && !card) await loadCard();
  if (status === 200 && card) return showResult(student, body);
  if (status === 401) {
    $("key-row").hidden = false;
    return showError("api-key", body.message).focus();
  }
  const details = status === 422 ? oneCutoffProblem(body.detail) : [{ field: "form", message: body.message }];
  const controls = details.map((detail) => showError(detail.field, detail.message));
  controls.find((control) => control?.focus)?.focus();
}

// ---- start --------------------------------------------------------------------------------

setSemesterCount(FIRST_SEMESTERS);
$("add-semester").addEventListener("click", () => changeSemesters(+1));
$("remove-semester").addEventListener("click", () => changeSemesters(-1));
$("api-key").addEventListener("change", loadCard);
$("predict-form").addEventListener("submit", predictOne);
// A cut-off the person typed (or cleared) is theirs: a reloaded card must not overwrite it.
for (const input of document.querySelectorAll(".cutoff")) {
  input.addEventListener("input", () => { input.dataset.touched = "yes"; });
}
setUpBatch({
  card: async () => card ?? (await loadCard(), card),
  showKeyNeeded,
});
const refreshMonitoring = async () => showMonitoring(card ?? (await loadCard(), card), showKeyNeeded);
setUpRealGrades({ showKeyNeeded, refreshMonitoring });
$("monitoring-button").addEventListener("click", refreshMonitoring);
loadCard();
