// WebAuthn helpers (docs/passkeys.md §2): base64url and the JSON <-> browser conversions.

export function b64urlEncode(buffer) {
  let s = "";
  for (const byte of new Uint8Array(buffer)) s += String.fromCharCode(byte);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64urlDecode(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes.buffer;
}

export const supported = () => typeof window.PublicKeyCredential === "function";

// Creation options JSON (POST mfa/, register_options/) -> publicKey for create().
export function toCreationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64urlDecode(json.challenge),
    user: { ...json.user, id: b64urlDecode(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: b64urlDecode(c.id) })),
  };
}

// Request options JSON (*/challenge/, passwordless/webauthn/initiate/) -> publicKey for get().
// session_id is the API's, not WebAuthn's: it is sent back next to the answer.
export function toRequestOptions(json) {
  const { session_id: _sessionId, ...options } = json;
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(options);
  return {
    ...options,
    challenge: b64urlDecode(options.challenge),
    allowCredentials: (options.allowCredentials || []).map((c) => ({ ...c, id: b64urlDecode(c.id) })),
  };
}

// PublicKeyCredential -> the JSON object the server reads (PublicKeyCredential.toJSON() form).
export function credentialToJSON(cred) {
  if (typeof cred.toJSON === "function") return cred.toJSON();
  const r = cred.response;
  const response = { clientDataJSON: b64urlEncode(r.clientDataJSON) };
  if (r instanceof AuthenticatorAttestationResponse) {
    response.attestationObject = b64urlEncode(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = b64urlEncode(r.authenticatorData);
    response.signature = b64urlEncode(r.signature);
    response.userHandle = r.userHandle ? b64urlEncode(r.userHandle) : null;
  }
  return {
    id: cred.id, rawId: b64urlEncode(cred.rawId), type: cred.type, response,
    clientExtensionResults: cred.getClientExtensionResults(),
    authenticatorAttachment: cred.authenticatorAttachment ?? null,
  };
}

// What to tell the user when the browser refuses (a DOMException), else the browser's message.
function explain(error) {
  if (error.name === "InvalidStateError") {
    return new Error("This authenticator is already registered for your account.");
  }
  if (error.name === "NotAllowedError") return new Error("The passkey request was cancelled or timed out. Try again.");
  return error;
}

// A new key for creation options.
export async function createCredential(optionsJSON) {
  try {
    const cred = await navigator.credentials.create({ publicKey: toCreationOptions(optionsJSON) });
    return credentialToJSON(cred);
  } catch (error) {
    throw explain(error);
  }
}

// Signs request options with session_id; returns the assertion as the API's `code` string
// (login/verify/, mfa/deactivate/, ...): the assertion JSON with session_id inside.
export async function assertionCode(optionsJSON) {
  return JSON.stringify({ ...(await getAssertion(optionsJSON)), session_id: optionsJSON.session_id });
}

// Signs request options; returns the assertion object (passwordless/webauthn/verify/).
export async function getAssertion(optionsJSON) {
  try {
    const cred = await navigator.credentials.get({ publicKey: toRequestOptions(optionsJSON) });
    return credentialToJSON(cred);
  } catch (error) {
    throw explain(error);
  }
}
