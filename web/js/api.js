// authkit-fcgi reference web app: the one place that talks to the API.
// Same origin as the API (served by the same nginx): the HttpOnly auth cookies travel with
// `credentials: "same-origin"` and the CSRF check sees our own Origin.
export const API = "/api/auth/";

const AUTH_ROUTES = /^(login|token|passwordless|registration|password\/reset)/;

// Sends JSON, returns { status, ok, data } (data: the parsed body, or null when empty).
// When an authenticated call answers 401 (the access cookie lives 5 minutes), the refresh
// cookie gets a new one once and the call is repeated.
export async function call(method, path, body, { retry = true } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(API + path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (res.status === 401 && retry && !AUTH_ROUTES.test(path)) {
    const refreshed = await call("POST", "token/refresh/", {}, { retry: false });
    if (refreshed.ok) return call(method, path, body, { retry: false });
  }
  return { status: res.status, ok: res.ok, data };
}

// The messages of a DRF error body, exactly as the API wrote them:
// {"detail": "..."}, {"non_field_errors": [...]}, {"field": [...]}, or a bare array.
export function errorMessages(data) {
  if (data == null) return ["Something went wrong. Please try again."];
  if (typeof data === "string") return [data];
  if (Array.isArray(data)) return data.map(String);
  const out = [];
  for (const [field, value] of Object.entries(data)) {
    const list = Array.isArray(value) ? value : [value];
    for (const message of list) {
      if (typeof message !== "string") continue;
      out.push(field === "detail" || field === "non_field_errors" ? message : `${field}: ${message}`);
    }
  }
  return out.length ? out : ["Something went wrong. Please try again."];
}

// The page's aria-live="polite" region (#status): screen readers announce what is put there.
export function say(text, kind = "info") {
  const region = document.getElementById("status");
  region.className = "status " + kind;
  region.replaceChildren();
  for (const line of Array.isArray(text) ? text : [text]) {
    const p = document.createElement("p");
    p.textContent = line;
    region.append(p);
  }
}

export const sayError = (data) => say(errorMessages(data), "error");

// Shows or hides an element (the `hidden` attribute, so no inline style is needed).
export function show(el, visible = true) {
  (typeof el === "string" ? document.getElementById(el) : el).hidden = !visible;
}

// Runs an async handler for a form's submit, with its submit buttons disabled meanwhile;
// errors thrown (network, WebAuthn) are announced.
export function onSubmit(form, handler) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await handler(new FormData(form), event.submitter);
    } catch (error) {
      say(String(error.message || error), "error");
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

// Same for a button's click.
export function onClick(button, handler) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await handler();
    } catch (error) {
      say(String(error.message || error), "error");
    } finally {
      button.disabled = false;
    }
  });
}

// Whether a route is served (passkeys and passwordless sign-in are optional): 404 means no.
export async function routeExists(path) {
  const res = await fetch(API + path, { method: "OPTIONS", credentials: "same-origin" });
  return res.status !== 404;
}
