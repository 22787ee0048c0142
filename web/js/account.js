// Account security: second-factor methods (api.md §6), passkeys (§13), backup codes, logout.
import { call, errorMessages, say, sayError, show, onSubmit, onClick, routeExists } from "./api.js";
import { supported, createCredential, assertionCode } from "./webauthn.js";

const LABELS = { app: "Authenticator app", email: "Email", webauthn: "Passkey" };
const label = (m) => LABELS[m] || m;
const $ = (id) => document.getElementById(id);

let methods = [];        // GET mfa/: [{name, is_primary, is_active, is_setup}]
let confirming = null;   // the method the set-up form confirms

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function button(id, text, handler, kind = "secondary") {
  const b = el("button", { id, type: "button", class: kind, text });
  onClick(b, handler);
  return b;
}

// --------------------------------------------------------------- backup codes

function showBackupCodes(method, codes) {
  $("backup-method").textContent = label(method);
  $("backup-codes").replaceChildren(...codes.map((c) => el("li", { text: c })));
  show("backup");
}

const backupText = () =>
  `Backup codes for ${$("backup-method").textContent}\n` +
  [...$("backup-codes").children].map((li) => li.textContent).join("\n") + "\n";

onClick($("copy-codes"), async () => {
  await navigator.clipboard.writeText(backupText());
  say("Backup codes copied.", "ok");
});

$("download-codes").addEventListener("click", () => {
  const url = URL.createObjectURL(new Blob([backupText()], { type: "text/plain" }));
  const a = el("a", { href: url, download: "backup-codes.txt" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

$("hide-codes").addEventListener("click", () => {
  $("backup-codes").replaceChildren();
  show("backup", false);
});

// --------------------------------------------------------------- methods

// The code of a management action: the typed one, or for a passkey a fresh assertion.
async function codeFor(method) {
  const typed = $(`code-${method}`)?.value.trim() || "";
  if (typed || method !== "webauthn") return typed;
  const ch = await call("POST", "mfa/challenge/", { method });
  if (!ch.ok) throw new Error(errorMessages(ch.data).join(" "));
  return assertionCode(ch.data);
}

// A POST whose success message (detail) is announced, then the lists are reloaded.
async function act(path, body, success) {
  const r = await call("POST", path, body);
  if (!r.ok) return sayError(r.data);
  await refresh();
  say(success || (r.data && r.data.detail) || "Done.", "ok");
  return r;
}

function stateCell(m, remaining) {
  const cell = el("td");
  const state = m.is_active ? "active" : m.is_setup ? "not confirmed or deactivated" : "not set up";
  cell.append(el("span", { class: m.is_active ? "badge" : "badge off", text: state }));
  if (m.is_primary) cell.append(" ", el("span", { class: "badge", text: "primary" }));
  if (remaining !== undefined) {
    cell.append(el("p", { class: "hint", id: `remaining-${m.name}`, text: `${remaining} backup codes left` }));
  }
  return cell;
}

function actionsCell(m) {
  const name = m.name;
  const cell = el("td");
  const box = el("div", { class: "actions" });
  cell.append(box);
  if (!m.is_setup) {
    box.append(button(`add-${name}`, `Add`, () => addMethod(name), ""));
    return cell;
  }
  if (!m.is_active) {
    box.append(button(`confirm-${name}`, "Confirm", () => startConfirm(name), ""));
    box.append(button(`delete-${name}`, "Delete", () =>
      act("mfa/delete/", { method: name, code: "" }, `${label(name)} deleted.`), "danger"));
    return cell;
  }
  const inputId = `code-${name}`;
  box.append(el("label", { for: inputId, text: `Code for ${label(name).toLowerCase()}` }),
    el("input", { id: inputId, class: "code", type: "text", autocomplete: "one-time-code" }));
  if (name === "email") {
    box.append(button(`send-${name}`, "Email me a code", () => act("mfa/send/", { method: name })));
  }
  if (!m.is_primary) {
    box.append(button(`primary-${name}`, "Make primary", async () => {
      const current = methods.find((x) => x.is_primary);
      const body = { method: name };
      const primaryCode = current && $(`code-${current.name}`)?.value.trim();
      if (primaryCode) body.primary_code = primaryCode;
      await act("mfa/primary/", body);
    }, ""));
  }
  box.append(button(`deactivate-${name}`, "Deactivate", async () =>
    act("mfa/deactivate/", { method: name, code: await codeFor(name) })));
  box.append(button(`regenerate-${name}`, "New backup codes", async () => {
    const r = await act("mfa/backup-codes/regenerate/", { method: name, code: await codeFor(name) },
      `New backup codes for ${label(name).toLowerCase()}: the old ones no longer work.`);
    if (r) showBackupCodes(name, r.data.backup_codes);
  }));
  box.append(button(`delete-${name}`, "Delete", async () =>
    act("mfa/delete/", { method: name, code: await codeFor(name) }, `${label(name)} deleted.`), "danger"));
  return cell;
}

async function loadMethods() {
  const r = await call("GET", "mfa/");
  if (!r.ok) return sayError(r.data);
  methods = r.data;
  const remaining = {};
  await Promise.all(methods.filter((m) => m.is_setup).map(async (m) => {
    const c = await call("GET", `mfa/backup-codes/?method=${encodeURIComponent(m.name)}`);
    if (c.ok) remaining[m.name] = c.data.remaining;
  }));
  $("methods-body").replaceChildren(...methods.map((m) => el("tr", { "data-method": m.name },
    el("th", { scope: "row", text: label(m.name) }), stateCell(m, remaining[m.name]), actionsCell(m))));
}

// POST mfa/: backup codes (once) and what the method needs to be confirmed.
async function addMethod(name) {
  const r = await call("POST", "mfa/", { method: name });
  if (!r.ok) return sayError(r.data);
  showBackupCodes(name, r.data.backup_codes);
  await loadMethods();
  if (name === "webauthn") return registerPasskeyMethod(r.data.setup_data.options);
  showSetup(name, r.data.setup_data || {});
}

function showSetup(name, setup) {
  confirming = name;
  $("setup-title").textContent = `Set up: ${label(name)}`;
  show("setup-app", name === "app");
  show("setup-qr", false);
  $("setup-detail").textContent = setup.detail || "";
  if (name === "app" && setup.qr_link) {
    const secret = setup.secret || new URL(setup.qr_link).searchParams.get("secret") || "";
    $("setup-secret").textContent = secret;
    $("setup-link").href = setup.qr_link;
    if (typeof setup.qr_svg === "string" && setup.qr_svg.startsWith("<")) {
      // As an image (a data: URL), never as markup: scripts in an <img>'s SVG do not run.
      $("setup-qr").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(setup.qr_svg);
      show("setup-qr");
    }
  }
  show("setup");
  $("confirm-code").value = "";
  $("confirm-code").focus();
}

async function startConfirm(name) {
  if (name === "webauthn") {
    const opt = await call("POST", "webauthn/credentials/register_options/", {});
    if (!opt.ok) return sayError(opt.data);
    return registerPasskeyMethod(opt.data);
  }
  if (name === "email") {
    const sent = await call("POST", "mfa/send/", { method: name });
    if (!sent.ok) return sayError(sent.data);
    return showSetup(name, sent.data);
  }
  showSetup(name, { detail: "Enter the current code of your authenticator app." });
}

onSubmit($("confirm-form"), async (form) => {
  const r = await call("POST", "mfa/confirm/", { method: confirming, code: form.get("code").trim() });
  if (!r.ok) return sayError(r.data);
  show("setup", false);
  await refresh();
  say(r.data.detail, "ok");
});

async function registerPasskeyMethod(options) {
  const credential = await createCredential(options);
  await act("mfa/confirm/", { method: "webauthn", code: JSON.stringify(credential) });
}

// --------------------------------------------------------------- passkeys (webauthn/credentials/)

let passkeysServed = false;

async function loadPasskeys() {
  if (!passkeysServed) return;
  const r = await call("GET", "webauthn/credentials/");
  if (!r.ok) return sayError(r.data);
  $("passkey-list").replaceChildren(...r.data.map((key) => {
    const inputId = `passkey-name-${key.id}`;
    const input = el("input", { id: inputId, type: "text", maxlength: "255" });
    input.value = key.name;
    const used = key.last_used_at ? new Date(key.last_used_at).toLocaleString() : "never used";
    return el("tr", { "data-passkey": String(key.id) },
      el("td", {}, el("label", { for: inputId, class: "visually-hidden", text: `Name of passkey ${key.id}` }), input),
      el("td", { text: `${new Date(key.created_at).toLocaleString()} / ${used}` }),
      el("td", {}, el("div", { class: "actions" },
        button(`rename-passkey-${key.id}`, "Rename", async () => {
          const rn = await call("PATCH", `webauthn/credentials/${key.id}/rename/`, { name: input.value });
          if (!rn.ok) return sayError(rn.data);
          await loadPasskeys();
          say(rn.data.detail, "ok");
        }),
        button(`delete-passkey-${key.id}`, "Delete", async () => {
          const del = await call("DELETE", `webauthn/credentials/${key.id}/`);
          if (!del.ok) return sayError(del.data);
          await loadPasskeys();
          say(`Passkey “${key.name}” deleted.`, "ok");
        }, "danger"))));
  }));
}

onSubmit($("add-passkey-form"), async (form) => {
  const opt = await call("POST", "webauthn/credentials/register_options/", {});
  if (!opt.ok) return sayError(opt.data);
  const credential = await createCredential(opt.data);
  const name = form.get("name").trim();
  const r = await call("POST", "webauthn/credentials/", name ? { credential, name } : { credential });
  if (!r.ok) return sayError(r.data);
  $("passkey-name").value = "";
  await loadPasskeys();
  say(`Passkey “${r.data.name}” added.`, "ok");
});

// --------------------------------------------------------------- session

async function logout(path) {
  const r = await call("POST", path, {});
  if (!r.ok) return sayError(r.data);
  location.assign("/index.html");
}
onClick($("logout"), () => logout("logout/"));
onClick($("logout-all"), () => logout("logout/all/"));

async function refresh() {
  await Promise.all([loadMethods(), loadPasskeys()]);
}

const me = await call("GET", "user/");
if (!me.ok) {
  location.replace("/index.html");
} else {
  $("whoami").textContent = me.data.username;
  passkeysServed = supported() && await routeExists("webauthn/credentials/");
  show("passkeys", passkeysServed);
  await refresh();
}
