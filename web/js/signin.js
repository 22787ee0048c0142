// Sign in: password, then the second step (api.md §5), or a passkey alone (§14).
import { call, say, sayError, show, onSubmit, onClick, routeExists } from "./api.js";
import { supported, assertionCode, getAssertion } from "./webauthn.js";

export const METHOD_LABELS = { app: "authenticator app", email: "email", webauthn: "passkey" };
const ACCOUNT_PAGE = "/account.html";

let ephemeralToken = null;
let method = null;

function signedIn() {
  location.assign(ACCOUNT_PAGE);
}

// The API tells only the current method; offer the others (it answers if one is not set up).
function showSecondStep(token, currentMethod) {
  ephemeralToken = token;
  method = currentMethod;
  show("password-step", false);
  show("second-step");
  document.getElementById("method-hint").textContent =
    `Confirm it is you with your ${METHOD_LABELS[method] || method}.`;
  const isPasskey = method === "webauthn";
  show("passkey-mfa", isPasskey);
  show("resend", method === "email");
  document.getElementById("code-hint").textContent = isPasskey
    ? "Use your passkey, or enter one of your backup codes."
    : method === "email"
      ? "Enter the code we emailed you, or one of your backup codes."
      : "Enter the code from your authenticator app, or one of your backup codes.";
  const select = document.getElementById("new-method");
  select.replaceChildren(...Object.keys(METHOD_LABELS).filter((m) => m !== method).map((m) => {
    const option = document.createElement("option");
    option.value = m;
    option.textContent = METHOD_LABELS[m];
    return option;
  }));
  document.getElementById(isPasskey ? "passkey-mfa" : "code").focus();
}

// A login answer: either signed in, or the second step.
function handleLogin(data) {
  if (data.ephemeral_token) {
    say(`Second step: ${METHOD_LABELS[data.method] || data.method}.`);
    showSecondStep(data.ephemeral_token, data.method);
  } else {
    signedIn();
  }
}

onSubmit(document.getElementById("login-form"), async (form) => {
  const r = await call("POST", "login/", { username: form.get("username"), password: form.get("password") });
  if (!r.ok) return sayError(r.data);
  document.getElementById("password").value = "";
  handleLogin(r.data);
});

onSubmit(document.getElementById("verify-form"), async (form) => {
  const r = await call("POST", "login/verify/", { ephemeral_token: ephemeralToken, code: form.get("code").trim() });
  if (!r.ok) return sayError(r.data);
  signedIn();
});

onClick(document.getElementById("resend"), async () => {
  const r = await call("POST", "login/resend/", { ephemeral_token: ephemeralToken });
  if (!r.ok) return sayError(r.data);
  ephemeralToken = r.data.ephemeral_token;
  say("A new code has been sent.", "ok");
});

onSubmit(document.getElementById("change-method-form"), async (form) => {
  const newMethod = form.get("new_method");
  const r = await call("POST", "login/change-method/", { ephemeral_token: ephemeralToken, new_method: newMethod });
  if (!r.ok) return sayError(r.data);
  showSecondStep(r.data.ephemeral_token, r.data.new_method);
  if (newMethod === "email") {
    // change-method sends nothing: ask for the code.
    const sent = await call("POST", "login/resend/", { ephemeral_token: ephemeralToken });
    if (!sent.ok) return sayError(sent.data);
    ephemeralToken = sent.data.ephemeral_token;
  }
  say(`Switched to your ${METHOD_LABELS[newMethod]}.`, "ok");
});

onClick(document.getElementById("passkey-mfa"), async () => {
  const ch = await call("POST", "login/challenge/", { ephemeral_token: ephemeralToken });
  if (!ch.ok) return sayError(ch.data);
  const code = await assertionCode(ch.data);
  const r = await call("POST", "login/verify/", { ephemeral_token: ephemeralToken, code });
  if (!r.ok) return sayError(r.data);
  signedIn();
});

onClick(document.getElementById("passkey-signin"), async () => {
  const init = await call("POST", "passwordless/webauthn/initiate/", {});
  if (!init.ok) return sayError(init.data);
  const credential = await getAssertion(init.data);
  const r = await call("POST", "passwordless/webauthn/verify/", { credential, session_id: init.data.session_id });
  if (!r.ok) return sayError(r.data);
  handleLogin(r.data);
});

document.getElementById("start-over").addEventListener("click", () => location.reload());

// Passwordless passkey sign-in only where the API serves it (404 otherwise) and the browser can.
if (supported() && await routeExists("passwordless/webauthn/initiate/")) show("passkey-signin-box");
