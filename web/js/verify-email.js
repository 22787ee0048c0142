// Confirm the address (api.md §12, POST registration/verify-email/) from the mailed ?key=.
import { call, say, sayError, onSubmit } from "./api.js";

const key = new URLSearchParams(location.search).get("key");
if (key) {
  document.getElementById("key").value = key;
  history.replaceState(null, "", location.pathname);   // keep the key out of the history
}

// A button press, not on load: mail scanners that open the link do not confirm anything.
onSubmit(document.getElementById("verify-email-form"), async (form) => {
  const r = await call("POST", "registration/verify-email/", { key: form.get("key").trim() });
  if (!r.ok) return sayError(r.data);
  say(["Your email address is confirmed.", r.data.detail], "ok");
});
