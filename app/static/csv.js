// CSV in and out, and the mapping between CSV lines and the API's `students[i]...` fields.
// It reads the wide files the training loader reads (training/data/wide.py, reading.py): the
// delimiter sniffed from the header, ordinal term columns, quoted numbers, missing markers,
// rows as wide as the header, the group column. tests/fixtures/csv holds the cases both
// readers are tested on, against the same expected results.

import { historyFrom } from "./history.js";

// `1st`, `2nd sem`, `Sem 1`, `Semester 1`, `Term 1`, `T1` in any case: training's pattern.
const ORDINAL = /^(?:(\d+)\s*(?:st|nd|rd|th)(?:\s*(?:sem|semester|term))?|(?:sem|semester|term|t)\s*[-_.#]?\s*(\d+))$/;
const SNIFFED = [",", ";", "\t"];
const BLANK_CELL_HINT = " (the cell is blank; only the cells after a student's last grade may be)";
// Cells that mean "no value", as training reads them (training/data/reading.py).
const MISSING = new Set(["", "na", "n/a", "nan", "none", "null", "-"]);
const DELIMITER_NAMES = { ",": "','", ";": "';'", "\t": "tab" };
export const normalise = (name) => name.trim().toLowerCase().replace(/\s+/g, " ");
export const isMissing = (cell) => MISSING.has((cell ?? "").trim().toLowerCase());
// The student id column: `student_id`, `Student ID`, `student-id`, `StudentId` (a column
// named just `Student` is a label people read, not an id to record under).
const STUDENT_ID = /^student[\s_-]?id$/;
export const studentIdIndex = (names) => names.findIndex((name) => STUDENT_ID.test(name));
const present = (cell) => (isMissing(cell) ? "" : cell);

/** A file this page cannot read, with the line of the file that shows why. */
export class CsvError extends Error {
  constructor(line, message) {
    super(message);
    this.line = line;
  }
}

/** The one of `,` `;` tab that splits the header line most often outside quotes; `,` when
 * none does (a one-column file). Ties go to the first, as in training. */
export function sniffDelimiter(text) {
  const header = text.split(/\r\n|\n|\r/).find((line) => line.trim() !== "") ?? "";
  const unquoted = header.replace(/"[^"]*"/g, "");
  const counts = SNIFFED.map((candidate) => unquoted.split(candidate).length - 1);
  const best = counts.indexOf(Math.max(...counts));
  return counts[best] > 0 ? SNIFFED[best] : ",";
}

/** RFC 4180 records, each with the file line it starts on (a quoted cell may span lines). */
export function parseCsv(text, delimiter = ",") {
  const records = [];
  let record = [], cell = "", quoted = false, line = 1, startLine = 1;
  text = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (char === '"') quoted = false;
      else { cell += char; if (char === "\n") line++; }
    } else if (char === '"' && cell.trim() === "") { cell = ""; quoted = true; } // `; "5" ;`
    else if (char === delimiter) { record.push(cell); cell = ""; }
    else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++;
      record.push(cell);
      records.push({ line: startLine, cells: record });
      record = []; cell = ""; line++; startLine = line;
    } else cell += char;
  }
  if (cell !== "" || record.length > 0) { record.push(cell); records.push({ line: startLine, cells: record }); }
  // Lines with nothing on them (often the file's last) are not students.
  return records.filter((r) => r.cells.some((c) => c.trim() !== ""));
}

export function toCsv(rows, delimiter = ",") {
  const special = new RegExp(`["\\r\\n${delimiter === "\t" ? "\\t" : delimiter}]`);
  const quote = (value) => {
    const text = String(value ?? "");
    return special.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return rows.map((row) => row.map(quote).join(delimiter)).join("\r\n") + "\r\n";
}

/** The term columns in order, numbered 1, 2, ... without gaps or repeats, as training wants. */
export function gradeColumnsOf(header, names) {
  const found = names
    .map((name, index) => ({ index, match: ORDINAL.exec(name), label: header.cells[index].trim() }))
    .filter((column) => column.match)
    .map((column) => ({ ...column, number: Number(column.match[1] ?? column.match[2]) }))
    .sort((a, b) => a.number - b.number);
  if (found.length === 0) {
    throw new CsvError(header.line, "No grade columns found: the first row should name them 1st, 2nd, 3rd ... " +
      "(or Sem 1, Sem 2 ... or Term 1, Term 2 ...).");
  }
  if (found.some((column, position) => column.number !== position + 1)) {
    const labels = found.map((column) => column.label).join(", ");
    throw new CsvError(header.line, `The grade columns must be numbered 1, 2, 3 ... once each, without gaps; the file has ${labels}.`);
  }
  return found;
}

/** A group cell as the card's kind of code: integers when the card's codes are (a spreadsheet
 * writes 115 as "115.0"), else trimmed text. Anything else is sent as typed for the API to name. */
export function codeFrom(text, card) {
  const integers = !card.group.codes.some((code) => typeof code === "string");
  return integers && /^[+-]?\d+(\.0*)?$/.test(text) ? parseInt(text, 10) : text;
}

/** Reads the header, picks the grade columns (at most the card's max_history) and the group
 * column (named as the card's group.column or group.label), and builds one API student per
 * data line. */
export function studentsFromCsv(text, card) {
  const delimiter = sniffDelimiter(text);
  const [header, ...rows] = parseCsv(text, delimiter);
  if (!header) throw new CsvError(null, "The file is empty.");
  // A row wider or narrower than the header is most often a delimiter inside an unquoted cell
  // (a decimal comma): its cells would land under the wrong columns.
  const ragged = rows.find((row) => row.cells.length !== header.cells.length);
  if (ragged) {
    throw new CsvError(ragged.line, `Line ${ragged.line} has ${ragged.cells.length} fields, the header has ` +
      `${header.cells.length} (the file is read as ${DELIMITER_NAMES[delimiter]} separated).`);
  }
  const names = header.cells.map(normalise);
  const ordinals = gradeColumnsOf(header, names);
  const gradeColumns = ordinals.slice(0, card.max_history);
  const unused = ordinals.slice(gradeColumns.length).map((column) => column.label);
  const groupNames = [card.group.column, card.group.label, "college_code"]
    .filter((name) => name).map(normalise);
  const groupIndex = card.group.column === null ? -1
    : names.findIndex((name, index) => groupNames.includes(name) && !ordinals.some((c) => c.index === index));
  const students = rows.map(({ cells }) => {
    const student = { grades: historyFrom(gradeColumns.map((c) => present(cells[c.index]))) };
    const code = present(cells[groupIndex]).trim();
    if (groupIndex >= 0 && code !== "") student.college_code = codeFrom(code, card);
    return student;
  });
  // With a student id column, each forecast is sent with its id, and the server records it.
  const idIndex = studentIdIndex(names);
  const ids = rows.map(({ cells }) => (idIndex >= 0 ? present(cells[idIndex]).trim() : ""));
  return { delimiter, header, rows, students, ids, gradeColumns, unused, groupIndex };
}

/** "students[3].grades[1]" -> {line: 5, text: "Line 5, column 2nd: <message>"}. */
export function describeRowError(parsed, detail, offset) {
  const match = /^students\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?/.exec(detail.field);
  if (!match) return { line: null, text: `${detail.field}: ${detail.message}` };
  const { line, cells } = parsed.rows[offset + Number(match[1])];
  let where = "", hint = "";
  if (match[2] === "grades" && match[3] !== undefined) {
    const column = parsed.gradeColumns[Number(match[3])];
    where = `, column ${column?.label ?? match[3]}`;
    if (column && isMissing(cells[column.index])) hint = BLANK_CELL_HINT;
  } else if (match[2] === "college_code") {
    where = `, column ${parsed.header.cells[parsed.groupIndex].trim()}`;
  } else if (match[2]) {
    where = `, ${match[2]}`;
  }
  return { line, text: `Line ${line}${where}: ${detail.message}${hint}` };
}

/** The input file with the cohort table's columns added to every line, in the file's own
 * delimiter, so it opens in the same spreadsheet the same way. */
export function resultsCsv(parsed, cohort) {
  // Every row is as wide as the header (studentsFromCsv), so the added columns line up.
  return toCsv([
    [...parsed.header.cells, ...cohort.columns],
    ...parsed.rows.map(({ cells }, i) => [...cells, ...cohort.cells(i)]),
  ], parsed.delimiter);
}
