// Find a lead, and its calls, by phone number, name or email (Close's search language).

import { api } from "./api.js";
import { h, labelled, link, when } from "./dom.js";

export async function searchPage(_, params) {
  const text = params.get("q") || "";
  const box = h("input", { type: "search", name: "q", value: text, required: true,
    placeholder: "+1 650 555 1234, Ann Smith or ann@example.com" });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Find a lead or call" },
    labelled("Phone, name or email", box), h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/search?q=${encodeURIComponent(box.value.trim())}`;
  });
  const section = h("section", { "aria-labelledby": "search-title" },
    h("h1", { id: "search-title" }, "Search"), form);
  if (!text) return section;
  const found = await api("GET", "lead/", { query: text, _limit: 20 });
  const results = await Promise.all(found.data.map(async (lead) => {
    const calls = await api("GET", "activity/call/", { lead_id: lead.id, _limit: 5, _order_by: "-activity_at" });
    const people = (lead.contacts || []).map((contact) => [contact.name,
      ...(contact.phones || []).map((phone) => phone.phone_formatted || phone.phone),
      ...(contact.emails || []).map((email) => email.email)].filter(Boolean).join(" · "));
    return h("li", { class: "result" },
      link(`#/lead/${lead.id}`, lead.display_name || lead.id), ` · ${lead.status_label || ""}`,
      people.length ? h("p", { class: "snippet" }, people.join("; ")) : "",
      calls.data.length ? h("ul", {}, calls.data.map((call) => h("li", {},
        link(`#/call/${call.id}`, when(call.activity_at)),
        ` ${call.direction || ""} · ${call.phone || ""} · ${call.status || ""}`))) : h("p", {}, "No calls."));
  }));
  section.appendChild(h("h2", { "aria-live": "polite" },
    `${found.total_results} lead${found.total_results === 1 ? "" : "s"} found`));
  if (results.length) section.appendChild(h("ol", { class: "results" }, results));
  return section;
}
