// The parity report of `closecalls proxy` (live) or `closecalls replay --report` (a saved file).

import { errorBox, h, labelled, table } from "./dom.js";

async function liveReport(token) {
  const response = await fetch("/_parity/report.json", { headers: { authorization: `Bearer ${token}` } });
  if (response.status === 401) throw new Error("That report token was refused.");
  if (!response.ok) throw new Error(`No report here (HTTP ${response.status}): is this a closecalls proxy?`);
  return response.json();
}

function percent(share) {
  return `${(share * 100).toFixed(1)} %`;
}

function shown(value) {
  return value === undefined || value === null ? "—" : JSON.stringify(value);
}

function folded(label, value) {
  return h("details", {}, h("summary", {}, label), h("pre", {}, JSON.stringify(value, null, 2)));
}

function exchange(item) {
  const request = item.request;
  const target = `${request.method} /${request.path}${request.query ? "?" + request.query : ""}`;
  const rows = item.differences.map((difference) => h("tr", {},
    h("td", {}, difference.where), h("td", {}, difference.kind),
    h("td", {}, h("code", {}, shown(difference.upstream))), h("td", {}, h("code", {}, shown(difference.local)))));
  return h("section", { class: "parity-exchange", "aria-label": `Exchange ${item.number}` },
    h("h3", {}, `#${item.number} ${item.method} ${item.endpoint}`),
    h("p", {}, `${target} · upstream ${item.upstream.status} · local ${item.local ? item.local.status : "—"}`),
    table(`Differences in exchange ${item.number}`, ["Where", "Kind", "Upstream", "Local"], rows),
    folded("Request body", request.text ?? request.body), folded("Upstream answer", item.upstream),
    folded("Local answer", item.local));
}

export function parityReport(report) {
  const rows = report.endpoints.map((row) => h("tr", {},
    h("td", {}, row.method), h("td", {}, row.endpoint),
    h("td", { class: "number" }, `${row.identical} / ${row.exchanges}`),
    h("td", { class: "number" }, percent(row.share_identical))));
  return h("div", {},
    h("p", { role: "status" }, `${report.identical} of ${report.exchanges} exchanges identical ` +
      `(${percent(report.share_identical)}); ${report.differences.length} differ.`),
    table("Identical answers per endpoint", ["Method", "Endpoint", "Identical", "Share"], rows),
    h("h2", {}, "Differences"),
    report.differences.length ? report.differences.map(exchange) : h("p", {}, "None: every answer matched."));
}

/** Needs no sign-in: the proxy's report token, or a report file, is the whole of it. */
export function parityPage() {
  const out = h("div", {});
  const token = h("input", { type: "password", name: "token", autocomplete: "off", required: true });
  const file = h("input", { type: "file", name: "report", accept: ".json,application/json" });
  const show = async (load) => {
    try {
      out.replaceChildren(parityReport(await load()));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  const form = h("form", { "aria-label": "Live report" },
    labelled("Report token", token),
    h("p", { class: "hint" }, "Printed by closecalls proxy when it starts."),
    h("button", { type: "submit" }, "Load the live report"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(() => liveReport(token.value));
  });
  file.addEventListener("change", () => show(async () => JSON.parse(await file.files[0].text())));
  return h("section", { "aria-labelledby": "parity-title" },
    h("h1", { id: "parity-title" }, "Parity with Close"),
    h("p", {}, "Each request the proxy forwarded to Close, replayed against closecalls and compared."),
    form, labelled("Or open a saved report (closecalls replay --report FILE)", file), out);
}
