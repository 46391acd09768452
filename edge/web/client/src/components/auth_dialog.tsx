/**
 * Sign in or create an account, in a modal dialog opened from the header; the providers'
 * buttons (GitHub, Google) only when the server has them. Closes when signed in.
 */
import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import { ApiError, register, signIn } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";

const PROVIDER_NAMES: Record<string, string> = { github: "GitHub", google: "Google" };

export function AuthDialog(
  { providers, onClose }: { providers: string[]; onClose: () => void },
) {
  const dialog = useRef<HTMLDialogElement>(null);
  const error = useSignal("");
  // Modal in the same task that mounts it, so no key or click reaches the page behind it.
  useLayoutEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = (kind: "login" | "register") => async (e: Event) => {
    e.preventDefault();
    error.value = "";
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const username = String(data.get("username") ?? "").trim();
    const password = String(data.get("password") ?? "");
    try {
      if (kind === "login") await signIn(username, password);
      else await register(username, password, String(data.get("displayName") ?? "").trim());
      dialog.current?.close();
    } catch (err) {
      error.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  return (
    <dialog
      id="auth-dialog"
      class="auth-dialog"
      ref={dialog}
      aria-label={t("auth.signIn")}
      onClose={onClose}
    >
      <button
        id="auth-close"
        type="button"
        class="close"
        aria-label={t("auth.close")}
        onClick={() => dialog.current?.close()}
      >
        ×
      </button>
      <div class="auth-forms">
        <form id="login-form" onSubmit={submit("login")}>
          <h3>{t("auth.signIn")}</h3>
          <label>
            <span>{t("auth.username")}</span>
            <input name="username" autoComplete="username" required />
          </label>
          <label>
            <span>{t("auth.password")}</span>
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          <button id="login-submit" type="submit">{t("auth.signIn")}</button>
        </form>
        <form id="register-form" onSubmit={submit("register")}>
          <h3>{t("auth.createAccount")}</h3>
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
          <button id="register-submit" type="submit">{t("auth.register")}</button>
        </form>
      </div>
      {providers.length > 0 && (
        <div id="oauth-buttons" class="oauth-buttons">
          {providers.map((p) => (
            <a key={p} class={`button oauth ${p}`} href={`/api/oauth/${p}/start`}>
              {t("auth.continueWith", { provider: PROVIDER_NAMES[p] ?? p })}
            </a>
          ))}
        </div>
      )}
      {error.value && <p id="auth-error" class="error" role="alert">{error.value}</p>}
    </dialog>
  );
}
