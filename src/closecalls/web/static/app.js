// The web UI: sign in, then pages chosen by the URL's hash (#/calls, #/call/ID, ...).

import { ApiError, admin, api, saveSession, session, signOut } from "./api.js";
import { adminPage, faultsPage, journalPage } from "./admin.js";
import { callLogPage, callPage, leadPage } from "./calls.js";
import { dashboardPage } from "./dashboard.js";
import { searchPage } from "./search.js";
import { errorBox, h, labelled } from "./dom.js";
import { parityPage } from "./parity.js";
import { webhooksPage } from "./webhooks.js";

const main = document.getElementById("main");

const PAGES = [
  [/^#\/calls$/, callLogPage],
  [/^#\/call\/([^/?]+)$/, callPage],
  [/^#\/lead\/([^/?]+)$/, leadPage],
  [/^#\/dashboard$/, dashboardPage],
  [/^#\/(search)$/, searchPage],
  [/^#\/webhooks$/, webhooksPage],
  [/^#\/admin$/, adminPage],
  [/^#\/journal$/, journalPage],
  [/^#\/faults$/, faultsPage],
];

function signInPage() {
  const secret = h("input", { type: "password", name: "secret", autocomplete: "off", required: true });
  const kind = h("select", { name: "kind" },
    h("option", { value: "key" }, "API key"), h("option", { value: "admin" }, "Admin token"));
  const message = h("p", { role: "status" });
  const form = h("form", { class: "signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    labelled("Sign in with", kind), labelled("Key or token", secret),
    h("p", { class: "hint" }, "Kept in this browser tab only (session storage)."),
    h("button", { type: "submit" }, "Sign in"), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "Signing in…";
    try {
      if (kind.value === "admin") {
        await admin("GET", "organizations/none/", {}, undefined, secret.value).catch((error) => {
          // A good token reaches the route and finds no such organization.
          if (!(error instanceof ApiError) || error.status !== 404) throw error;
        });
        saveSession({ adminToken: secret.value });
        location.hash = "#/admin";
      } else {
        const me = await api("GET", "me/", {}, undefined, secret.value);
        saveSession({ apiKey: secret.value, user: me.display_name, organization: me.organizations[0] });
        location.hash = "#/calls";
      }
      route();
    } catch (error) {
      message.textContent = "";
      message.appendChild(errorBox(error.status === 401 ? "That key or token was refused." : error));
    }
  });
  return form;
}

function header(current) {
  const isAdmin = Boolean(current.adminToken);
  document.getElementById("nav").hidden = !current.apiKey && !isAdmin;
  for (const item of document.querySelectorAll("[data-admin]")) item.hidden = !isAdmin;
  const who = document.getElementById("who");
  const org = current.organization ? `${current.organization.name} (${current.organization.id})` : "no organization";
  who.textContent = current.apiKey || isAdmin ? `${isAdmin ? "Admin · " : ""}${current.user || ""} · ${org}` : "";
  document.getElementById("signout").hidden = !current.apiKey && !isAdmin;
}

let rendering = 0;

export async function route(event) {
  // A newer navigation wins: an older page still loading is dropped, never appended.
  const mine = (rendering += 1);
  const current = session();
  header(current);
  main.replaceChildren();
  if (location.hash === "#/parity") {
    main.appendChild(parityPage());
    return;
  }
  if (!current.apiKey && !current.adminToken) {
    main.appendChild(signInPage());
    return;
  }
  const hash = location.hash.split("?")[0] || "#/calls";
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const found = PAGES.find(([pattern]) => pattern.test(hash));
  if (!found) {
    location.hash = current.apiKey ? "#/calls" : "#/admin";
    return;
  }
  const [pattern, page] = found;
  if (!current.apiKey && !/admin|journal|faults/.test(hash)) {
    main.appendChild(h("p", {}, "Choose an organization on the ", h("a", { href: "#/admin" }, "Admin"), " page first."));
    return;
  }
  main.setAttribute("aria-busy", "true");
  let content;
  try {
    content = await page(hash.match(pattern)[1], params);
  } catch (error) {
    content = errorBox(error);
  }
  if (mine !== rendering) return;
  main.replaceChildren(content);
  main.removeAttribute("aria-busy");
  // Keyboard and screen-reader users land on the new page, not on the link they left.
  if (event && event.type === "hashchange") main.focus({ preventScroll: true });
}

document.getElementById("signout").addEventListener("click", () => {
  signOut();
  location.hash = "";
  route();
});
window.addEventListener("hashchange", route);
route();
