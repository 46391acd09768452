/** A sign-in form for the pages that need an account (the session is shared by every page). */
import { useSignal } from "@preact/signals";
import { ApiError, signIn } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";

export function SignIn({ why }: { why: string }) {
  const status = useSignal("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    status.value = "";
    try {
      await signIn(String(data.get("username")), String(data.get("password")));
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  return (
    <section class="panel-card narrow" aria-labelledby="signin-h">
      <h1 id="signin-h">{t("signin.title")}</h1>
      <p class="muted">{why}</p>
      <form class="stack" id="signin-form" onSubmit={submit}>
        <label>
          <span>{t("signin.username")}</span>
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          <span>{t("signin.password")}</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit">{t("signin.submit")}</button>
      </form>
      {status.value && <p class="error" role="alert">{status.value}</p>}
    </section>
  );
}
