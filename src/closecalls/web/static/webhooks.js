// Webhook subscriptions with their delivery log.

import { api } from "./api.js";
import { h, table, when } from "./dom.js";

function deliveryRows(attempts) {
  return attempts.map((attempt) => h("tr", {},
    h("td", {}, when(attempt.date_attempted)), h("td", {}, attempt.event_id),
    h("td", { class: "number" }, String(attempt.attempt)),
    h("td", { class: "number" }, attempt.status_code === null ? "—" : String(attempt.status_code)),
    h("td", {}, attempt.succeeded ? "delivered" : "failed"), h("td", {}, attempt.error || ""),
    h("td", { class: "number" }, `${attempt.latency_ms} ms`)));
}

async function subscription(item) {
  const log = await api("GET", `webhook/${item.id}/delivery/`, { _limit: 50 });
  const headings = ["When", "Event", "Attempt", "Status code", "Result", "Error", "Latency"];
  return h("section", { class: "webhook", "aria-label": `Webhook ${item.url}` },
    h("h2", {}, item.url),
    h("p", {}, `${item.status} · events: ${(item.events || []).map((e) => `${e.object_type}.${e.action}`).join(", ")}`),
    log.data.length ? table(`Delivery log of ${item.id}, newest first`, headings, deliveryRows(log.data)) : h("p", {}, "No deliveries yet."));
}

export async function webhooksPage() {
  const page = await api("GET", "webhook/");
  return h("section", { "aria-labelledby": "webhooks-title" },
    h("h1", { id: "webhooks-title" }, "Webhooks"),
    page.data.length ? await Promise.all(page.data.map(subscription)) : h("p", {}, "No subscriptions."));
}
