// Wires the page to the API: the model card fills the form, the form asks for a forecast,
// a CSV file asks for many. The API judges every value; the page shows its messages next to
// the field they name.

import { drawChart } from "./chart.js";
import { describeRowError, resultsCsv, studentsFromCsv } from "./csv.js";
import { historyFrom } from "./history.js";

const BATCH_CHUNK = 500; // well under the server's default CGPA_MAX_BATCH of 1000
const FIRST_SEMESTERS = 4;
const SHOWN_PROBLEMS = 20; // a long list of typos helps nobody; fix these and upload again
const $ = (id) => document.getElementById(id);
let card = null;

async function callApi(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const key = $("api-key").value.trim();
  if (key) headers["X-API-Key"] = key;
  try {
    const response = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
    const answer = await response.json().catch(() => ({
      message: `the server answered ${response.status} ${response.statusText}`,
    }));
    return { status: response.status, body: answer };
  } catch {
    return { status: 0, body: { message: "The server could not be reached." } };
  }
}

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
  const select = $("college");
  const chosen = select.value;
  select.replaceChildren(select.options[0]);
  for (const code of card.colleges) select.add(new Option(`College ${code}`, String(code)));
  select.value = card.colleges.map(String).includes(chosen) ? chosen : "";
  $("legend-level").textContent = `${Math.round(card.interval.level * 100)}%`;
  $("model-version").textContent = `Model ${card.model_version}.`;
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
             aria-describedby="grade-${index}-error">
      <p id="grade-${index}-error" class="error" data-error-for="grades[${index}]"></p>`;
    list.appendChild(item);
  }
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
  const target = document.querySelector(`[data-error-for="${field}"]`) ?? $("form-error");
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

function showResult(grades, prediction) {
  const { low, high, level } = prediction.interval;
  const percent = Math.round(level * 100);
  const cgpa = $("predicted-cgpa");
  cgpa.textContent = prediction.predicted_cgpa.toFixed(2);
  cgpa.dataset.value = String(prediction.predicted_cgpa);
  $("result-semester").textContent = prediction.semester;
  $("result-words").textContent =
    `The model expects a GPA of about ${prediction.predicted_cgpa.toFixed(2)} in semester ` +
    `${prediction.semester}. Its ${percent}% interval runs from ${low.toFixed(2)} to ` +
    `${high.toFixed(2)}: the real grade should land inside such an interval for about ` +
    `${percent}% of students.`;
  $("result-warnings").replaceChildren(...prediction.warnings.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
  $("result-placeholder").hidden = true;
  $("result-body").hidden = false;
  $("chart-figure").hidden = false;
  drawChart($("chart"), grades, prediction);
}

function showPlaceholder() {
  $("result-placeholder").hidden = false;
  $("result-body").hidden = true;
  $("chart-figure").hidden = true;
}

async function predictOne(event) {
  event.preventDefault();
  clearErrors();
  showPlaceholder(); // an earlier forecast must not pass for the answer to these grades
  if (!card) await loadCard();
  const student = { grades: historyFrom(gradeInputs().map((input) => input.value)) };
  if ($("college").value !== "") student.college_code = Number($("college").value);
  $("predict-button").disabled = true;
  const { status, body } = await callApi("POST", "/predict", student);
  $("predict-button").disabled = false;
  if (status === 200) return showResult(student.grades, body);
  if (status === 401) {
    $("key-row").hidden = false;
    return showError("api-key", body.message).focus();
  }
  const details = status === 422 ? body.detail : [{ field: "form", message: body.message }];
  const controls = details.map((detail) => showError(detail.field, detail.message));
  controls.find((control) => control?.focus)?.focus();
}

// ---- many students from a CSV file --------------------------------------------------------

function batchReport(message, errors = []) {
  $("batch-message").textContent = message;
  $("batch-errors").replaceChildren(...errors.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
}

async function predictFile(event) {
  event.preventDefault();
  const file = $("csv-file").files[0];
  const link = $("batch-download");
  link.hidden = true;
  if (link.href) URL.revokeObjectURL(link.href);
  if (!file) return batchReport("Choose a CSV file first.");
  if (!card) await loadCard();
  let parsed;
  try {
    parsed = studentsFromCsv(await file.text(), card?.max_history);
  } catch (error) {
    return batchReport(error.message);
  }
  if (parsed.students.length === 0) return batchReport("The file has a header but no students.");
  batchReport(`Predicting ${parsed.students.length} students…`);
  const predictions = [], problems = [];
  for (let offset = 0; offset < parsed.students.length; offset += BATCH_CHUNK) {
    const students = parsed.students.slice(offset, offset + BATCH_CHUNK);
    const { status, body } = await callApi("POST", "/predict/batch", { students });
    if (status === 200) predictions.push(...body.predictions);
    else if (status === 422) problems.push(...body.detail.map((d) => describeRowError(parsed, d, offset)));
    else {
      if (status === 401) showKeyNeeded(body.message);
      return batchReport(`Nothing was predicted: ${body.message}`);
    }
  }
  if (problems.length > 0) {
    const lines = new Set(problems.map((problem) => problem.line)).size;
    const texts = problems.slice(0, SHOWN_PROBLEMS).map((problem) => problem.text);
    if (problems.length > SHOWN_PROBLEMS) texts.push(`… and ${problems.length - SHOWN_PROBLEMS} more.`);
    const needs = lines === 1 ? "1 line of the file needs" : `${lines} lines of the file need`;
    return batchReport(`Nothing was predicted: ${needs} fixing.`, texts);
  }
  const unused = parsed.unused.length
    ? ` Column(s) ${parsed.unused.join(", ")} not used: the model reads at most ${card.max_history} semesters.`
    : "";
  batchReport(`Predicted ${predictions.length} students.${unused}`);
  const blob = new Blob([resultsCsv(parsed, predictions)], { type: "text/csv" });
  link.href = URL.createObjectURL(blob);
  link.download = file.name.replace(/\.csv$/i, "") + "-predictions.csv";
  link.hidden = false;
  link.focus();
}

// ---- start --------------------------------------------------------------------------------

setSemesterCount(FIRST_SEMESTERS);
$("add-semester").addEventListener("click", () => changeSemesters(+1));
$("remove-semester").addEventListener("click", () => changeSemesters(-1));
$("api-key").addEventListener("change", loadCard);
$("predict-form").addEventListener("submit", predictOne);
$("batch-form").addEventListener("submit", predictFile);
loadCard();
