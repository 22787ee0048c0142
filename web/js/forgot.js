// Forgot password (api.md §11, POST password/reset/): always the same answer.
import { call, say, sayError, onSubmit } from "./api.js";

onSubmit(document.getElementById("forgot-form"), async (form) => {
  const r = await call("POST", "password/reset/", { email: form.get("email") });
  if (!r.ok) return sayError(r.data);
  say(r.data.detail, "ok");
});
