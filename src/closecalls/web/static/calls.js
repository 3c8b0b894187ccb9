// The call log, one call's page and a lead's timeline of every activity type.

import { api } from "./api.js";
import { duration, h, isWebUrl, labelled, link, select, table, when } from "./dom.js";
import { sanitizedFragment } from "./sanitize.js";

const PAGE = 25;
const DIRECTIONS = ["inbound", "outbound"];
const STATUSES = ["created", "in-progress", "completed", "cancel", "no-answer", "busy", "failed", "timeout"];
const DISPOSITIONS = ["answered", "no-answer", "vm-answer", "vm-left", "busy", "blocked", "error", "abandoned"];
// The list API filters these ids and dates; direction, status and disposition are matched here.
const SERVER_FILTERS = ["lead_id", "contact_id", "user_id"];
const LOCAL_FILTERS = ["direction", "status", "disposition"];

const leads = new Map();
let outcomes = null;
let users = null;

export async function lead(id) {
  if (!id) return null;
  if (!leads.has(id)) leads.set(id, api("GET", `lead/${id}/`).catch(() => null));
  return leads.get(id);
}

export async function outcomeNames() {
  outcomes ??= api("GET", "outcome/", { _limit: 100 }).then(
    (page) => new Map(page.data.map((item) => [item.id, item.name])), () => new Map());
  return outcomes;
}

export async function userList() {
  users ??= api("GET", "user/", { _limit: 100 }).then((page) => page.data, () => []);
  return users;
}

function contactName(leadDocument, contactId) {
  const contact = leadDocument && (leadDocument.contacts || []).find((item) => item.id === contactId);
  return contact ? contact.name || contact.display_name || contactId : contactId || "";
}

/** Calls matching the filters from server row `skip` on: [rows, next skip or null]. */
async function findCalls(params, skip) {
  const query = { _limit: 100, _order_by: "-date_created" };
  for (const name of SERVER_FILTERS) query[name] = params.get(name);
  if (params.get("from")) query.date_created__gte = params.get("from");
  if (params.get("to")) query.date_created__lte = params.get("to");
  const wanted = LOCAL_FILTERS.filter((name) => params.get(name));
  const rows = [];
  // Filtering here may scan many server pages for a rare value; a bounded number per screen.
  for (let scanned = 0; scanned < 10; scanned += 1) {
    const page = await api("GET", "activity/call/", { ...query, _skip: skip });
    for (const [index, call] of page.data.entries()) {
      if (wanted.every((name) => call[name] === params.get(name))) rows.push(call);
      if (rows.length === PAGE) {
        const more = index + 1 < page.data.length || page.has_more;
        return [rows, more ? skip + index + 1 : null];
      }
    }
    skip += page.data.length;
    if (!page.has_more) return [rows, null];
  }
  return [rows, skip];
}

function filterForm(params, userChoices) {
  const input = (name, type = "text") => h("input", { name, type, value: params.get(name) || "" });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter calls" },
    labelled("Lead id", input("lead_id")),
    labelled("Contact id", input("contact_id")),
    labelled("User", select("user_id", userChoices, params.get("user_id"))),
    labelled("Direction", select("direction", DIRECTIONS, params.get("direction"))),
    labelled("Status", select("status", STATUSES, params.get("status"))),
    labelled("Disposition", select("disposition", DISPOSITIONS, params.get("disposition"))),
    labelled("From (date)", input("from", "date")),
    labelled("To (date)", input("to", "date")),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Filter"), link("#/calls", "Clear")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) chosen.set(name, value);
    location.hash = "#/calls" + (chosen.size ? "?" + chosen : "");
  });
  return form;
}

export async function callRows(calls) {
  const names = await outcomeNames();
  const documents = await Promise.all(calls.map((call) => lead(call.lead_id)));
  return calls.map((call, index) => h("tr", {},
    h("td", {}, link(`#/call/${call.id}`, when(call.activity_at || call.date_created))),
    h("td", {}, call.user_name || call.user_id || ""),
    h("td", {}, call.lead_id ? link(`#/lead/${call.lead_id}`, documents[index]?.display_name || call.lead_id) : ""),
    h("td", {}, contactName(documents[index], call.contact_id)),
    h("td", {}, call.direction || ""),
    h("td", {}, call.status || ""),
    h("td", { class: "number" }, duration(call.duration)),
    h("td", {}, names.get(call.outcome_id) || call.outcome_id || call.disposition || "")));
}

export async function callLogPage(_, params) {
  const userChoices = (await userList()).map((user) => [user.id, user.display_name || user.email || user.id]);
  const skip = Number(params.get("skip") || 0);
  const [calls, next] = await findCalls(params, skip);
  const headings = ["When", "User", "Lead", "Contact", "Direction", "Status", "Duration", "Outcome"];
  const paging = h("nav", { class: "paging", "aria-label": "Pages of calls" });
  if (skip > 0) {
    const back = h("button", { type: "button" }, "Previous page");
    back.addEventListener("click", () => history.back());
    paging.appendChild(back);
  }
  if (next !== null) {
    const after = new URLSearchParams(params);
    after.set("skip", next);
    paging.appendChild(link("#/calls?" + after, "Next page"));
  }
  return h("section", { "aria-labelledby": "calls-title" },
    h("h1", { id: "calls-title" }, "Call log"),
    filterForm(params, userChoices),
    calls.length
      ? table(`Calls, newest first (${calls.length} shown)`, headings, await callRows(calls))
      : h("p", { class: "empty" }, "No calls match."),
    paging);
}

function audio(label, url) {
  if (!url) return h("p", {}, `${label}: none`);
  if (!isWebUrl(url)) return h("p", {}, `${label}: `, h("code", {}, url));
  return h("figure", { class: "player" }, h("figcaption", {}, label),
    h("audio", { controls: true, preload: "none", src: url, "aria-label": label }),
    h("a", { href: url, rel: "noopener noreferrer" }, "Open the file"));
}

function eventRows(events) {
  return events.map((event) => h("tr", {},
    h("td", {}, when(event.date_created)), h("td", {}, event.action),
    h("td", {}, (event.changed_fields || []).join(", ")), h("td", {}, event.user_id || "")));
}

export async function callPage(id) {
  const call = await api("GET", `activity/call/${id}/`);
  const [leadDocument, names, events] = await Promise.all([
    lead(call.lead_id), outcomeNames(),
    api("GET", "event/", { object_type: "activity.call", object_id: id }).then((page) => page.data, () => []),
  ]);
  const note = h("div", { class: "note", "data-testid": "note" });
  note.appendChild(call.note_html ? sanitizedFragment(call.note_html) : document.createTextNode(call.note || ""));
  const fields = Object.keys(call).sort().flatMap((name) => [
    h("dt", {}, name), h("dd", {}, call[name] === null ? "—" : typeof call[name] === "object" ? JSON.stringify(call[name]) : String(call[name])),
  ]);
  return h("article", { "aria-labelledby": "call-title" },
    h("h1", { id: "call-title" }, `${call.direction || ""} call`, call.lead_id ? [" with ", link(`#/lead/${call.lead_id}`, leadDocument?.display_name || call.lead_id)] : ""),
    h("p", {}, when(call.activity_at), ` · ${duration(call.duration)} · ${call.status || ""}`,
      call.disposition ? ` · ${call.disposition}` : "", call.outcome_id ? ` · ${names.get(call.outcome_id) || call.outcome_id}` : "",
      ` · contact ${contactName(leadDocument, call.contact_id) || "—"}`),
    h("h2", {}, "Note"), note,
    h("h2", {}, "Recording and voicemail"), audio("Recording", call.recording_url), audio("Voicemail", call.voicemail_url),
    h("h2", {}, "Events"),
    events.length ? table("The call's events, newest first", ["When", "Action", "Changed", "User"], eventRows(events)) : h("p", {}, "No events."),
    h("h2", {}, "Every field"), h("dl", { class: "fields" }, fields));
}

// One line of a lead's timeline per activity, whatever its type.
function timelineEntry(activity) {
  const at = when(activity.activity_at || activity.date_created);
  const by = activity.user_name ? ` · ${activity.user_name}` : "";
  const snippet = (text) => (text ? h("p", { class: "snippet" }, text.slice(0, 160)) : "");
  const entry = (...children) => h("li", { "data-type": activity._type }, ...children);
  switch (activity._type) {
    case "Call":
      return entry(link(`#/call/${activity.id}`, at),
        ` Call ${activity.direction || ""} · ${activity.status || ""} · ${duration(activity.duration)}${by}`,
        snippet(activity.note));
    case "SMS":
      return entry(at, ` SMS ${activity.direction} · ${activity.status}${by}`, snippet(activity.text));
    case "Note":
      return entry(at, ` Note${activity.title ? `: ${activity.title}` : ""}${by}`, snippet(activity.note));
    case "Meeting":
      return entry(at, ` Meeting: ${activity.title || ""} · ${activity.status || ""}`, snippet(activity.user_note));
    case "LeadStatusChange":
      return entry(at, ` Status ${activity.old_status_label || "—"} → ${activity.new_status_label || "—"}${by}`);
    case "TaskCompleted":
      return entry(at, ` Task completed: ${activity.task_text || ""}${by}`);
    default:
      return entry(at, ` ${activity._type}${by}`);
  }
}

function customValues(leadDocument, definitions) {
  const names = new Map(definitions.map((field) => [`custom.${field.id}`, field.name]));
  const rows = Object.entries(leadDocument).filter(([key]) => key.startsWith("custom."))
    .map(([key, value]) => [h("dt", {}, names.get(key) || key),
      h("dd", {}, Array.isArray(value) ? value.join(", ") : String(value))]);
  return rows.length ? h("dl", { class: "fields" }, rows) : h("p", {}, "No custom field values.");
}

export async function leadPage(id) {
  const [leadDocument, page, definitions] = await Promise.all([
    api("GET", `lead/${id}/`),
    api("GET", "activity/", { lead_id: id, _limit: 100, _order_by: "-activity_at" }),
    api("GET", "custom_field/lead/", { _limit: 1000 })]);
  return h("section", { "aria-labelledby": "lead-title" },
    h("h1", { id: "lead-title" }, leadDocument.display_name || id),
    h("p", { class: "status" }, "Status: ", h("strong", {}, leadDocument.status_label || "—")),
    h("p", {}, "Contacts: ", (leadDocument.contacts || []).map((c) => c.name || c.id).join(", ") || "none"),
    h("h2", {}, "Custom fields"), customValues(leadDocument, definitions.data),
    h("h2", {}, `Timeline (${page.data.length}${page.has_more ? "+" : ""} activities)`),
    page.data.length ? h("ol", { class: "timeline" }, page.data.map(timelineEntry)) : h("p", {}, "No activities."),
    link(`#/calls?lead_id=${encodeURIComponent(id)}`, "Its calls in the call log"));
}
