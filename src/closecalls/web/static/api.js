// The session (kept in sessionStorage only) and calls to the server's own JSON API.

const KEY = "closecalls.session";

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || {};
  } catch {
    return {};
  }
}

export function saveSession(value) {
  sessionStorage.setItem(KEY, JSON.stringify(value));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function send(method, path, headers, body) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** The organization's API, with the session's API key as HTTP Basic credentials. */
export function api(method, path, params, body, apiKey) {
  const key = apiKey || session().apiKey;
  const headers = { authorization: "Basic " + btoa(key + ":") };
  return send(method, "/api/v1/" + path + query(params), headers, body);
}

/** The testing toolkit's admin API, with the admin token. */
export function admin(method, path, params, body, token) {
  const headers = { authorization: "Bearer " + (token || session().adminToken) };
  return send(method, "/_closecalls/" + path + query(params), headers, body);
}
