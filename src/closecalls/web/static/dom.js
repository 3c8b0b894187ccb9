// Building page content from data: every string becomes a text node, never markup.

/** An element with attributes (on* never) and children (strings become text). */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) throw new Error("handlers are attached with addEventListener");
    element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Seconds as people say them: 0s, 45s, 3m 05s, 1h 02m. */
export function duration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const hours = Math.floor(total / 3600), minutes = Math.floor((total % 3600) / 60), rest = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (hours) return `${hours}h ${pad(minutes)}m`;
  if (minutes) return `${minutes}m ${pad(rest)}s`;
  return `${rest}s`;
}

/** A timestamp in the reader's locale, with the ISO value kept for machines. */
export function when(iso) {
  if (!iso) return "";
  // Events carry naive UTC times, as Close's do.
  const date = new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : iso + "Z");
  return h("time", { datetime: iso }, date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
}

// Only web addresses become links or media sources: a stored `javascript:` or `data:` URL
// (from before the API refused them, or from another server) stays inert text.
export function isWebUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url);
}

export function link(href, text) {
  return h("a", { href }, text);
}

export function errorBox(error) {
  return h("p", { class: "error", role: "alert" }, String(error.message || error));
}

export function labelled(label, control) {
  const id = control.id || "f-" + Math.random().toString(36).slice(2, 9);
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

export function select(name, choices, value) {
  return h("select", { name }, h("option", { value: "" }, "any"),
    choices.map((choice) => {
      const [key, text] = Array.isArray(choice) ? choice : [choice, choice];
      return h("option", { value: key, selected: key === value }, text);
    }));
}

export function table(caption, headings, rows) {
  return h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((heading) => h("th", { scope: "col" }, heading)))),
    h("tbody", {}, rows));
}
