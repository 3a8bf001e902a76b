// Turns what a person typed (in the form or a CSV cell) into the grades list the API reads.
// The page does not judge grades itself: anything that is not a plain number is sent as typed,
// so the API's own message (which names the field) is what the person sees.

const PLAIN_NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/;

/** "7.5" -> 7.5, "7,5" -> 7.5 (a decimal comma), "" -> null, anything else -> the text. */
export function readNumber(text) {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  return PLAIN_NUMBER.test(trimmed) ? Number(trimmed.replace(",", ".")) : trimmed;
}

/** Blank cells at the end are semesters not taken yet; a blank before a grade is sent as null
 * so the API names it ("Input should be a valid number"). */
export function historyFrom(texts) {
  const grades = texts.map(readNumber);
  while (grades.length > 0 && grades[grades.length - 1] === null) grades.pop();
  return grades;
}
