// Reset the password (api.md §11, POST password/reset/confirm/) from the mailed ?uid=&token=.
import { call, say, sayError, onSubmit } from "./api.js";

const params = new URLSearchParams(location.search);
document.getElementById("uid").value = params.get("uid") || "";
document.getElementById("token").value = params.get("token") || "";
if (params.has("token")) history.replaceState(null, "", location.pathname);

onSubmit(document.getElementById("reset-form"), async (form) => {
  const body = Object.fromEntries(["uid", "token", "new_password1", "new_password2"].map((k) => [k, form.get(k)]));
  const r = await call("POST", "password/reset/confirm/", body);
  if (!r.ok) return sayError(r.data);
  document.getElementById("reset-form").reset();
  say([r.data.detail, "Sign in with the new password."], "ok");
});
