// The dashboard: calls per day by direction, the outcome mix, average duration per user.

import { api } from "./api.js";
import { bars, COLOURS, stackedColumns } from "./charts.js";
import { duration, h } from "./dom.js";
import { outcomeNames } from "./calls.js";

const DAYS = 14;
const MOST = 1000;

async function recentCalls(since) {
  const calls = [];
  for (let skip = 0; calls.length < MOST; skip += 100) {
    const page = await api("GET", "activity/call/", { _limit: 100, _skip: skip, date_created__gte: since });
    calls.push(...page.data);
    if (!page.has_more) break;
  }
  return calls;
}

function figure(title, chart, caption) {
  return h("figure", { class: "dashboard-chart" }, h("h2", {}, title), chart, h("figcaption", {}, caption));
}

export async function dashboardPage() {
  const start = new Date(Date.now() - (DAYS - 1) * 86400000);
  const since = start.toISOString().slice(0, 10);
  const [calls, names] = await Promise.all([recentCalls(since), outcomeNames()]);
  const days = [];
  for (let index = 0; index < DAYS; index += 1) {
    days.push([new Date(start.getTime() + index * 86400000).toISOString().slice(0, 10), {}]);
  }
  const byDay = new Map(days);
  const outcomes = new Map(), perUser = new Map();
  for (const call of calls) {
    const counts = byDay.get((call.activity_at || call.date_created).slice(0, 10));
    if (counts) counts[call.direction] = (counts[call.direction] || 0) + 1;
    const outcome = names.get(call.outcome_id) || call.disposition || "none";
    outcomes.set(outcome, (outcomes.get(outcome) || 0) + 1);
    const user = call.user_name || call.user_id || "nobody";
    const [total, count] = perUser.get(user) || [0, 0];
    perUser.set(user, [total + (call.duration || 0), count + 1]);
  }
  const mix = [...outcomes].sort((a, b) => b[1] - a[1]);
  const averages = [...perUser].map(([user, [total, count]]) => [user, total / count, duration(total / count)]);
  return h("section", { "aria-labelledby": "dashboard-title" },
    h("h1", { id: "dashboard-title" }, "Dashboard"),
    h("p", {}, `${calls.length}${calls.length >= MOST ? "+" : ""} calls since ${since} (UTC).`),
    figure("Calls per day by direction", stackedColumns(days, ["outbound", "inbound"], "Calls per day by direction"),
      h("span", {}, h("span", { class: "swatch outbound" }), " outbound ", h("span", { class: "swatch inbound" }), " inbound")),
    figure("Outcome mix", bars(mix, "Calls per outcome (or disposition when no outcome)"), "Calls per outcome; disposition when there is none."),
    figure("Average duration per user", bars(averages, "Average call duration per user"), "Mean duration of the user's calls."));
}
