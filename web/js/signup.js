// Sign up (api.md §12, POST registration/): a confirmation mail follows.
import { call, say, sayError, onSubmit } from "./api.js";

onSubmit(document.getElementById("signup-form"), async (form) => {
  const body = Object.fromEntries(["username", "email", "password1", "password2"].map((k) => [k, form.get(k)]));
  const r = await call("POST", "registration/", body);
  if (!r.ok) return sayError(r.data);
  document.getElementById("signup-form").reset();
  say([r.data.detail, "Check your mail for the confirmation link. You can sign in already."], "ok");
});
