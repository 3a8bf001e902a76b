// CSV in and out, and the mapping between CSV lines and the API's `students[i]...` fields.

import { historyFrom } from "./history.js";

const ORDINAL = /^(\d+)(st|nd|rd|th)$/;
const COLLEGE_HEADERS = ["college code", "college_code", "collegecode", "college"];
const BLANK_CELL_HINT = " (the cell is blank; only the cells after a student's last grade may be)";
const OUTPUT_COLUMNS = ["predicted_cgpa", "interval_low", "interval_high", "semester"];

/** RFC 4180 records, each with the file line it starts on (a quoted cell may span lines). */
export function parseCsv(text) {
  const records = [];
  let record = [], cell = "", quoted = false, line = 1, startLine = 1;
  text = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (char === '"') quoted = false;
      else { cell += char; if (char === "\n") line++; }
    } else if (char === '"') quoted = true;
    else if (char === ",") { record.push(cell); cell = ""; }
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

export function toCsv(rows) {
  const quote = (value) => {
    const text = String(value ?? "");
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return rows.map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
}

/** Reads the header, picks the grade columns (1st, 2nd, ... in order, at most `maxHistory`)
 * and the college column, and builds one API student per data line. */
export function studentsFromCsv(text, maxHistory) {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error("The file is empty.");
  const names = header.cells.map((name) => name.trim().toLowerCase().replace(/\s+/g, " "));
  const ordinals = names
    .map((name, index) => ({ index, match: ORDINAL.exec(name), label: header.cells[index].trim() }))
    .filter((column) => column.match)
    .sort((a, b) => Number(a.match[1]) - Number(b.match[1]));
  if (ordinals.length === 0 || Number(ordinals[0].match[1]) !== 1) {
    throw new Error("No grade columns found: the first row should name them 1st, 2nd, 3rd, 4th.");
  }
  const gradeColumns = ordinals.slice(0, maxHistory ?? ordinals.length);
  const unused = ordinals.slice(gradeColumns.length).map((column) => column.label);
  const collegeIndex = names.findIndex((name) => COLLEGE_HEADERS.includes(name));
  const students = rows.map(({ cells }) => {
    const student = { grades: historyFrom(gradeColumns.map((c) => cells[c.index] ?? "")) };
    const code = (cells[collegeIndex] ?? "").trim();
    if (collegeIndex >= 0 && code !== "") {
      // "115.0" is how a spreadsheet or pandas often writes a whole number.
      student.college_code = /^\d+(\.0*)?$/.test(code) ? parseInt(code, 10) : code;
    }
    return student;
  });
  return { header, rows, students, gradeColumns, unused, collegeIndex };
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
    if (column && (cells[column.index] ?? "").trim() === "") hint = BLANK_CELL_HINT;
  } else if (match[2] === "college_code") {
    where = `, column ${parsed.header.cells[parsed.collegeIndex].trim()}`;
  } else if (match[2]) {
    where = `, ${match[2]}`;
  }
  return { line, text: `Line ${line}${where}: ${detail.message}${hint}` };
}

/** The input file with the forecast columns added to every line. */
export function resultsCsv(parsed, predictions) {
  const width = parsed.header.cells.length;
  // Every line gets exactly the header's width, so the added columns line up under their names.
  const pad = (cells) => [...cells, ...Array(width).fill("")].slice(0, width);
  return toCsv([
    [...pad(parsed.header.cells), ...OUTPUT_COLUMNS],
    ...parsed.rows.map(({ cells }, i) => {
      const p = predictions[i];
      return [...pad(cells), p.predicted_cgpa, p.interval.low, p.interval.high, p.semester];
    }),
  ]);
}
