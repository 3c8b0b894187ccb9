// Close's OAuth consent screen: sign in, choose the organization, then grant or decline.

import { ApiError, api, saveSession, session } from "./api.js";
import { errorBox, h, labelled } from "./dom.js";

const section = document.getElementById("consent");
const appName = section.dataset.appName;
const request = Object.fromEntries(new URLSearchParams(location.search));

async function decide(allow, organizationId, status) {
  status.replaceChildren("Sending you back to " + appName + "…");
  const key = session().apiKey;
  const response = await fetch("/oauth2/authorize/decision/", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Basic " + btoa(key + ":") },
    body: JSON.stringify({ ...request, organization_id: organizationId, allow }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  location.assign(body.redirect_to);
}

function consentForm(current) {
  const organization = current.organization;
  const choice = h("select", { name: "organization_id" },
    h("option", { value: organization.id }, organization.name));
  const status = h("p", { role: "status" });
  const allow = h("button", { type: "submit", name: "allow", value: "yes" }, "Grant access");
  const deny = h("button", { type: "button", class: "secondary" }, "Decline");
  const form = h("form", { class: "signin" },
    h("p", {}, `${appName} is asking for full access to Close as ${current.user}.`),
    labelled("Organization", choice), h("div", { class: "actions" }, allow, deny), status);
  const act = (grant) => decide(grant, choice.value, status).catch((error) => {
    status.replaceChildren(errorBox(error));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(true);
  });
  deny.addEventListener("click", () => act(false));
  return form;
}

function signInForm() {
  const secret = h("input", { type: "password", name: "secret", autocomplete: "off", required: true });
  const message = h("p", { role: "status" });
  const form = h("form", { class: "signin" },
    h("p", {}, `Sign in to connect ${appName}.`), labelled("API key", secret),
    h("button", { type: "submit" }, "Sign in"), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const me = await api("GET", "me/", {}, undefined, secret.value);
      saveSession({ apiKey: secret.value, user: me.display_name, organization: me.organizations[0] });
      render();
    } catch (error) {
      message.replaceChildren(errorBox(error.status === 401 ? "That key was refused." : error));
    }
  });
  return form;
}

function render() {
  const current = session();
  const heading = section.querySelector("h1");
  section.replaceChildren(heading, current.apiKey ? consentForm(current) : signInForm());
}

render();
