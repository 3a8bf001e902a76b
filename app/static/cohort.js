// The cohort table: one row per student of an uploaded file, with its forecast, interval,
// risk and flag, and (from a model that forecasts to graduation) its final CGPA and the
// risk of finishing below the cut-off, sortable by any column, flagged rows highlighted,
// and the flagged students counted per group. The download (csv.js resultsCsv) carries the
// same columns.

import { percentText } from "./risk.js";
import { warningTexts } from "./warnings.js";
import { $ } from "./dom.js";

const FLAG_AT = 0.5; // a student is flagged when falling below the cut-off is the likelier outcome
// Columns that name a student, shown first so an advisor can tell the rows apart.
const IDENTITY = /(^|[^a-z])(name|roll|id|student)([^a-z]|$)/i; // "Name", "Roll no.", "student_id"
const NOT_GIVEN = "not given";

/** The table's rows (file order) and the columns it and the download share. */
export function buildCohort(parsed, predictions, card) {
  const used = new Set([...parsed.gradeColumns.map((c) => c.index), parsed.groupIndex]);
  const identity = parsed.header.cells
    .map((name, index) => ({ name: name.trim(), index }))
    .filter((column) => IDENTITY.test(column.name) && !used.has(column.index));
  const withRisk = predictions.some((p) => p.risk);
  const withFinal = predictions.some((p) => p.final_cgpa);
  const withFinalRisk = predictions.some((p) => p.final_cgpa?.risk);
  const rows = predictions.map((p, i) => {
    const { line, cells } = parsed.rows[i];
    const name = identity.map((c) => (cells[c.index] ?? "").trim()).find((text) => text !== "") ?? "";
    const code = parsed.students[i].college_code;
    const probability = p.risk ? p.risk.probability : null;
    return {
      line, name, group: code ?? null, semester: p.semester, forecast: p.predicted_cgpa,
      low: p.interval.low, high: p.interval.high, below: p.risk ? p.risk.below : null,
      risk: probability, flagged: withRisk ? probability !== null && probability >= FLAG_AT : null,
      warnings: warningTexts(p, card, parsed.students[i]),
      final: p.final_cgpa?.predicted_cgpa ?? null, finalLow: p.final_cgpa?.interval.low ?? null,
      finalHigh: p.final_cgpa?.interval.high ?? null, finalBelow: p.final_cgpa?.risk?.below ?? null,
      finalRisk: p.final_cgpa?.risk?.probability ?? null,
    };
  });
  const columns = ["predicted_cgpa", "interval_low", "interval_high", "semester"];
  if (withRisk) columns.push("risk_below", "risk_probability", "flagged");
  if (withFinal) columns.push("final_cgpa", "final_low", "final_high");
  if (withFinalRisk) columns.push("final_risk_below", "final_risk_probability");
  columns.push("warnings");
  const cells = (i) => {
    const row = rows[i];
    const risky = withRisk ? [row.below ?? "", row.risk ?? "", row.flagged ? "yes" : "no"] : [];
    const final = withFinal ? [row.final ?? "", row.finalLow ?? "", row.finalHigh ?? ""] : [];
    const finalRisk = withFinalRisk ? [row.finalBelow ?? "", row.finalRisk ?? ""] : [];
    return [row.forecast, row.low, row.high, row.semester, ...risky, ...final, ...finalRisk,
      row.warnings.join("; ")];
  };
  return {
    rows, columns, cells, withRisk, withFinal, withFinalRisk,
    hasNames: identity.length > 0, nameHeader: identity[0]?.name,
    hasGroup: parsed.groupIndex >= 0, groupLabel: card.group.label,
    level: Math.round(card.interval.level * 100),
  };
}

/** Table columns: key, heading, how a row's cell reads, and whether the cohort has it. */
function tableColumns(cohort) {
  const cutoffs = [...new Set(cohort.rows.map((row) => row.below).filter((b) => b !== null))];
  const finalCutoffs = [...new Set(cohort.rows.map((row) => row.finalBelow).filter((b) => b !== null))];
  return [
    { key: "line", heading: "Line", text: (r) => String(r.line) },
    cohort.hasNames && { key: "name", heading: cohort.nameHeader, text: (r) => r.name, words: true },
    cohort.hasGroup && { key: "group", heading: cohort.groupLabel, text: (r) => String(r.group ?? NOT_GIVEN), words: true },
    { key: "semester", heading: "Semester", text: (r) => String(r.semester) },
    { key: "forecast", heading: "Forecast", text: (r) => r.forecast.toFixed(2) },
    { key: "low", heading: `${cohort.level}% interval`, text: (r) => `${r.low.toFixed(2)}\u2013${r.high.toFixed(2)}` },
    cohort.withRisk && {
      key: "risk", heading: cutoffs.length === 1 ? `Risk below ${cutoffs[0]}` : "Risk",
      text: (r) => (r.risk === null ? "" : percentText(r.risk)),
    },
    cohort.withRisk && { key: "flagged", heading: "Flag", text: (r) => (r.flagged ? "Flagged" : ""), words: true },
    cohort.withFinal && {
      key: "final", heading: "Final CGPA",
      text: (r) => (r.final === null ? "" : `${r.final.toFixed(2)} (${r.finalLow.toFixed(2)}\u2013${r.finalHigh.toFixed(2)})`),
    },
    cohort.withFinalRisk && {
      key: "finalRisk", heading: finalCutoffs.length === 1 ? `Final below ${finalCutoffs[0]}` : "Final risk",
      text: (r) => (r.finalRisk === null ? "" : percentText(r.finalRisk)),
    },
  ].filter(Boolean);
}

const missing = (value) => value === null || value === "";

/** Numbers and text compare as themselves (a flag as 1 or 0); a missing value sorts after
 * every other either way; ties keep the file's order. */
function compare(key, direction) {
  const value = (row) => (typeof row[key] === "boolean" ? Number(row[key]) : row[key]);
  return (a, b) => {
    const x = value(a), y = value(b);
    let order = missing(x) - missing(y);
    if (!order && !missing(x)) {
      order = typeof x === "number" && typeof y === "number" ? x - y
        : String(x).localeCompare(String(y), undefined, { numeric: true });
      if (direction === "descending") order = -order;
    }
    return order || a.line - b.line;
  };
}

function cell(tag, text, attributes = {}) {
  const element = document.createElement(tag);
  element.textContent = text;
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function renderBody(table, cohort, columns, sort) {
  const rows = [...cohort.rows].sort(compare(sort.key, sort.direction));
  const body = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    if (row.flagged) tr.className = "flagged";
    for (const column of columns) {
      const attributes = column.key === "line" ? { scope: "row" } : {};
      if (column.words) attributes.class = "text";
      tr.appendChild(cell(column.key === "line" ? "th" : "td", column.text(row), attributes));
    }
    body.appendChild(tr);
  }
  table.tBodies[0]?.remove();
  table.appendChild(body);
  for (const th of table.tHead.rows[0].cells) {
    if (th.dataset.key === sort.key) th.setAttribute("aria-sort", sort.direction);
    else th.removeAttribute("aria-sort");
  }
  // Said in words too: a screen reader does not announce a changed aria-sort by itself.
  const column = columns.find((c) => c.key === sort.key);
  const up = sort.direction === "ascending";
  const order = column.key === "flagged" ? (up ? "flagged last" : "flagged first")
    : column.words ? (up ? "A to Z" : "Z to A") : (up ? "lowest first" : "highest first");
  $("cohort-sort").textContent = `Sorted by ${column.heading}, ${order}. Press a column's heading to sort by it.`;
}

/** Sort buttons in the header (APG sortable table): a button per column, aria-sort on the
 * column it sorts by; pressing the sorted column's button again reverses the order. */
export function showCohort(cohort) {
  const table = $("cohort-table");
  const columns = tableColumns(cohort);
  let sort = { key: "line", direction: "ascending" };
  const head = document.createElement("thead");
  const tr = head.insertRow();
  for (const column of columns) {
    const th = cell("th", "", { scope: "col", "data-key": column.key, ...(column.words && { class: "text" }) });
    const button = cell("button", column.heading, { type: "button", class: "sort" });
    button.appendChild(cell("span", "", { class: "sort-mark", "aria-hidden": "true" }));
    button.addEventListener("click", () => {
      const again = sort.key === column.key;
      // Risk and flag are read worst first; everything else smallest first.
      const first = ["risk", "flagged", "finalRisk"].includes(column.key) ? "descending" : "ascending";
      sort = { key: column.key, direction: again ? (sort.direction === "ascending" ? "descending" : "ascending") : first };
      renderBody(table, cohort, columns, sort);
    });
    th.appendChild(button);
    tr.appendChild(th);
  }
  table.replaceChildren(cell("caption", cohort.withRisk
    ? "Forecast per student; flagged: the chance of falling below the cut-off is 50% or more."
    : "Forecast per student. Give a cut-off to see each student's risk and flag."), head);
  renderBody(table, cohort, columns, sort);
  showGroupCounts(cohort);
  $("cohort").hidden = false;
}

/** Flagged students per group, most flagged first: where an advisor's time goes. */
function showGroupCounts(cohort) {
  const block = $("group-counts");
  block.hidden = !cohort.withRisk;
  if (!cohort.withRisk) return;
  const counts = new Map();
  for (const row of cohort.rows) {
    const key = cohort.hasGroup ? row.group ?? NOT_GIVEN : "All students";
    const count = counts.get(key) ?? { students: 0, flagged: 0 };
    count.students += 1;
    count.flagged += row.flagged ? 1 : 0;
    counts.set(key, count);
  }
  const ordered = [...counts].sort(([a, x], [b, y]) => y.flagged - x.flagged
    || String(a).localeCompare(String(b), undefined, { numeric: true }));
  const table = $("group-counts-table");
  const head = document.createElement("thead");
  const tr = head.insertRow();
  for (const text of [cohort.hasGroup ? cohort.groupLabel : "Group", "Flagged", "Students"]) tr.appendChild(cell("th", text, { scope: "col" }));
  const body = document.createElement("tbody");
  for (const [group, count] of ordered) {
    const row = body.insertRow();
    row.dataset.group = String(group);
    row.appendChild(cell("th", String(group), { scope: "row", class: "text" }));
    row.appendChild(cell("td", String(count.flagged), { "data-flagged": count.flagged }));
    row.appendChild(cell("td", String(count.students)));
  }
  const flagged = cohort.rows.filter((row) => row.flagged).length;
  $("group-counts-heading").textContent = cohort.hasGroup
    ? `Flagged students per ${cohort.groupLabel}: ${flagged} of ${cohort.rows.length}`
    : `Flagged students: ${flagged} of ${cohort.rows.length}`;
  table.replaceChildren(head, body);
}

export function hideCohort() {
  $("cohort").hidden = true;
}
