// Signed in with the admin token: choose an organization, read its journal, inject faults.

import { admin, api, saveSession, session } from "./api.js";
import { errorBox, h, labelled, table } from "./dom.js";

async function actAs(organizationId, apiKey) {
  const key = apiKey || (await admin("POST", `organizations/${organizationId}/keys/`, {}, {})).api_key;
  const me = await api("GET", "me/", {}, undefined, key);
  saveSession({ ...session(), apiKey: key, user: me.display_name, organization: me.organizations[0] });
  location.hash = "#/calls";
}

function failing(form) {
  return (error) => {
    form.querySelector("[role=alert]")?.remove();
    form.appendChild(errorBox(error));
  };
}

export async function adminPage() {
  const current = session();
  const id = h("input", { name: "organization_id", required: true, value: current.organization?.id || "" });
  const choose = h("form", { "aria-labelledby": "switch-title" },
    h("h2", { id: "switch-title" }, "Switch organization"), labelled("Organization id", id),
    h("button", { type: "submit" }, "Switch"));
  choose.addEventListener("submit", (event) => {
    event.preventDefault();
    actAs(id.value.trim()).catch(failing(choose));
  });
  const name = h("input", { name: "name", value: "" });
  const create = h("form", { "aria-labelledby": "create-title" },
    h("h2", { id: "create-title" }, "New organization"), labelled("Name", name),
    h("button", { type: "submit" }, "Create and switch"));
  create.addEventListener("submit", (event) => {
    event.preventDefault();
    admin("POST", "organizations/", {}, name.value ? { name: name.value } : {})
      .then((made) => actAs(made.organization.id, made.api_key)).catch(failing(create));
  });
  return h("section", { "aria-labelledby": "admin-title" },
    h("h1", { id: "admin-title" }, "Admin"),
    h("p", {}, current.organization ? `Acting in ${current.organization.name} (${current.organization.id}).` : "No organization chosen yet."),
    choose, create);
}

function organizationId() {
  const id = session().organization?.id;
  if (!id) throw new Error("Choose an organization on the Admin page first.");
  return id;
}

export async function journalPage() {
  const org = organizationId();
  const entries = (await admin("GET", `organizations/${org}/journal/`)).data.slice(-200).reverse();
  const rows = entries.map((entry) => h("tr", {},
    h("td", {}, entry.time), h("td", {}, entry.method),
    h("td", {}, entry.path + (entry.query ? "?" + entry.query : "")),
    h("td", { class: "number" }, entry.status === null ? "dropped" : String(entry.status)),
    h("td", { class: "number" }, `${entry.duration_ms} ms`),
    h("td", {}, entry.fault ? `fault ${entry.fault.status || (entry.fault.drop ? "drop" : "")}` : ""),
    h("td", {}, (entry.warnings || []).join("; "))));
  return h("section", { "aria-labelledby": "journal-title" },
    h("h1", { id: "journal-title" }, "Request journal"),
    entries.length
      ? table(`The last ${entries.length} requests of ${org}, newest first`, ["Time", "Method", "Path", "Status", "Took", "Fault", "Warnings"], rows)
      : h("p", {}, "No requests yet."));
}

export async function faultsPage() {
  const org = organizationId();
  const faults = (await admin("GET", `organizations/${org}/faults/`)).data;
  const method = h("input", { name: "method", value: "*" });
  const path = h("input", { name: "path", value: "/api/v1/activity/call/*" });
  const status = h("select", { name: "status" }, ["503", "500", "502", "429"].map((code) => h("option", { value: code }, code)));
  const times = h("input", { name: "times", type: "number", min: "1", value: "1" });
  const form = h("form", { class: "filters", "aria-labelledby": "fault-title" },
    h("h2", { id: "fault-title" }, "Inject a fault"),
    labelled("Method", method), labelled("Path (glob)", path), labelled("Status", status), labelled("Times", times),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Add fault")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const fault = { method: method.value, path: path.value, status: Number(status.value), times: Number(times.value) };
    admin("POST", `organizations/${org}/faults/`, {}, fault).then(() => dispatchEvent(new HashChangeEvent("hashchange")), failing(form));
  });
  const cancel = h("button", { type: "button" }, "Cancel all faults");
  cancel.addEventListener("click", () => admin("DELETE", `organizations/${org}/faults/`).then(() => dispatchEvent(new HashChangeEvent("hashchange"))));
  const rows = faults.map((fault) => h("tr", {},
    h("td", {}, fault.method), h("td", {}, fault.path), h("td", {}, String(fault.status ?? (fault.drop ? "drop" : ""))),
    h("td", { class: "number" }, String(fault.times))));
  return h("section", { "aria-labelledby": "faults-title" },
    h("h1", { id: "faults-title" }, "Fault injection"),
    faults.length ? [table(`Pending faults of ${org}`, ["Method", "Path", "Status", "Times left"], rows), cancel] : h("p", {}, "No pending faults."),
    form);
}
