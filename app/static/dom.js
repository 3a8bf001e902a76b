// The few DOM steps every part of the page takes, written once: find an element by id, fill
// a list with lines of text, add an SVG element.

const SVG = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

/** Replaces the list's items with one `<li>` per text. */
export function listInto(list, texts) {
  list.replaceChildren(...texts.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
}

/** Appends an SVG element with these attributes (and text) to `parent`, and returns it. */
export function addSvg(parent, name, attributes = {}, text = "") {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text) element.textContent = text;
  parent.appendChild(element);
  return element;
}
