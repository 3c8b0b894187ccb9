// Webhook subscriptions with their delivery log.

import { api } from "./api.js";
import { h, table, when } from "./dom.js";

function redeliverButton(subscriptionId, eventId, status) {
  const button = h("button", { type: "button", "aria-label": `Redeliver ${eventId}` }, "Redeliver");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `webhook/${subscriptionId}/delivery/${eventId}/redeliver/`);
      status.textContent = `${eventId} is queued for delivery now.`;
    } catch (error) {
      status.textContent = `Could not redeliver ${eventId}: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function deliveryRows(subscriptionId, attempts, status) {
  // One button per event, on its newest line.
  const seen = new Set();
  return attempts.map((attempt) => {
    const first = !seen.has(attempt.event_id);
    seen.add(attempt.event_id);
    return h("tr", {},
      h("td", {}, when(attempt.date_attempted)), h("td", {}, attempt.event_id),
      h("td", { class: "number" }, String(attempt.attempt)),
      h("td", { class: "number" }, attempt.status_code === null ? "—" : String(attempt.status_code)),
      h("td", {}, attempt.succeeded ? "delivered" : "failed"), h("td", {}, attempt.error || ""),
      h("td", { class: "number" }, `${attempt.latency_ms} ms`),
      h("td", {}, first ? redeliverButton(subscriptionId, attempt.event_id, status) : ""));
  });
}

async function subscription(item) {
  const log = await api("GET", `webhook/${item.id}/delivery/`, { _limit: 50 });
  const headings = ["When", "Event", "Attempt", "Status code", "Result", "Error", "Latency", "Again"];
  const status = h("p", { role: "status", class: "hint" });
  return h("section", { class: "webhook", "aria-label": `Webhook ${item.url}` },
    h("h2", {}, item.url),
    h("p", {}, `${item.status} · events: ${(item.events || []).map((e) => `${e.object_type}.${e.action}`).join(", ")}`),
    status,
    log.data.length ? table(`Delivery log of ${item.id}, newest first`, headings, deliveryRows(item.id, log.data, status)) : h("p", {}, "No deliveries yet."));
}

export async function webhooksPage() {
  const page = await api("GET", "webhook/");
  return h("section", { "aria-labelledby": "webhooks-title" },
    h("h1", { id: "webhooks-title" }, "Webhooks"),
    page.data.length ? await Promise.all(page.data.map(subscription)) : h("p", {}, "No subscriptions."));
}
