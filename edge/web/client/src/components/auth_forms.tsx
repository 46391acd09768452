/**
 * Sign in or create an account: the one pair of forms of the web client, with the providers'
 * buttons (GitHub, Google) when the server has them and the refusal said as a sentence. The
 * header's dialog (auth_dialog.tsx) and the sign-in card of the pages that need an account
 * (sign_in.tsx) both show it. `idPrefix` keeps ids unique when a page shows both at once.
 */
import { useSignal } from "@preact/signals";
import { ApiError, register, signIn } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";

const PROVIDER_NAMES: Record<string, string> = { github: "GitHub", google: "Google" };

export function AuthForms(
  { providers, onDone, idPrefix = "" }: {
    providers: string[];
    /** Signed in (or registered and signed in). */
    onDone?: () => void;
    idPrefix?: string;
  },
) {
  const error = useSignal("");
  const id = (name: string) => `${idPrefix}${name}`;
  const submit = (kind: "login" | "register") => async (e: Event) => {
    e.preventDefault();
    error.value = "";
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const username = String(data.get("username") ?? "").trim();
    const password = String(data.get("password") ?? "");
    try {
      if (kind === "login") await signIn(username, password);
      else await register(username, password, String(data.get("displayName") ?? "").trim());
      onDone?.();
    } catch (err) {
      error.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  return (
    <>
      <div class="auth-forms">
        <form id={id("login-form")} onSubmit={submit("login")} aria-labelledby={id("login-h")}>
          <h3 id={id("login-h")}>{t("auth.signIn")}</h3>
          <label>
            <span>{t("auth.username")}</span>
            <input name="username" autoComplete="username" required />
          </label>
          <label>
            <span>{t("auth.password")}</span>
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          <button id={id("login-submit")} type="submit">{t("auth.signIn")}</button>
        </form>
        <form
          id={id("register-form")}
          onSubmit={submit("register")}
          aria-labelledby={id("register-h")}
        >
          <h3 id={id("register-h")}>{t("auth.createAccount")}</h3>
          <label>
            <span>{t("auth.username")}</span>
            <input
              name="username"
              placeholder={t("auth.usernameHint")}
              pattern="[A-Za-z0-9_]{3,24}"
              autoComplete="username"
              required
            />
          </label>
          <label>
            <span>{t("auth.displayName")}</span>
            <input name="displayName" maxLength={32} />
          </label>
          <label>
            <span>{t("auth.password")}</span>
            <input
              name="password"
              type="password"
              placeholder={t("auth.passwordHint")}
              autoComplete="new-password"
              minLength={8}
              required
            />
          </label>
          <button id={id("register-submit")} type="submit">{t("auth.register")}</button>
        </form>
      </div>
      {providers.length > 0 && (
        <div id={id("oauth-buttons")} class="oauth-buttons">
          {providers.map((p) => (
            <a key={p} class={`button oauth ${p}`} href={`/api/oauth/${p}/start`}>
              {t("auth.continueWith", { provider: PROVIDER_NAMES[p] ?? p })}
            </a>
          ))}
        </div>
      )}
      {error.value && <p id={id("auth-error")} class="error" role="alert">{error.value}</p>}
    </>
  );
}
