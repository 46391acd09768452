// Sign in, register, sign out, and OAuth (GitHub/Google buttons shown only when the server
// has them configured). The OAuth callback lands on `/#/oauth?accessToken=...` (or
// `?error=...`): the tokens are taken from the fragment and the URL is cleaned at once.
import {
  $,
  api,
  ApiError,
  auth,
  clearAuth,
  currentUser,
  el,
  onAuthChange,
  setAuth,
} from "./api.js";

const PROVIDER_NAMES = { github: "GitHub", google: "Google" };
/** The TypeScript client's catalogues (client/src/bridge.ts), loaded before this module. */
const tr = (key, params) => globalThis.synapseClient.t(key, params);

/** True when the server has accounts at all (else only guests exist). */
let accountsAvailable = false;

function renderHeader(user) {
  $("#me").textContent = user ? tr("auth.signedInAs", { name: user.displayName }) : "";
  $("#login-btn").hidden = !!user || !accountsAvailable;
  $("#logout-btn").hidden = !user;
  $("#logout-all-btn").hidden = !user;
  $("#console-link").hidden = !user;
  $("#webhooks-link").hidden = !user;
  const roles = user?.roles ?? [];
  $("#finance-link").hidden = !roles.includes("finance") && !roles.includes("admin");
  $("#users-link").hidden = !roles.includes("admin");
}

function showError(text) {
  const box = $("#auth-error");
  box.textContent = text;
  box.hidden = !text;
}

async function submit(kind, form) {
  showError("");
  const data = Object.fromEntries(new FormData(form));
  const json = { username: data.username.trim(), password: data.password };
  if (kind === "register" && data.displayName?.trim()) json.displayName = data.displayName.trim();
  try {
    setAuth(await api(`/auth/${kind}`, { json }));
    $("#auth-dialog").close();
    form.reset();
  } catch (err) {
    showError(
      err instanceof ApiError ? globalThis.synapseClient.errorText(err.code) : String(err),
    );
  }
}

async function logout(everywhere = false) {
  try {
    await api(everywhere ? "/auth/logout-all" : "/auth/logout", { method: "POST", auth: true });
  } catch {
    // The session may already be gone; forget it here either way.
  }
  clearAuth();
}

async function loadProviders() {
  try {
    const { providers } = await api("/auth/providers");
    accountsAvailable = true;
    const box = $("#oauth-buttons");
    box.replaceChildren(
      ...providers.map((p) =>
        el(
          "a",
          { class: `button oauth ${p}`, href: `/api/oauth/${p}/start` },
          tr("auth.continueWith", { provider: PROVIDER_NAMES[p] ?? p }),
        )
      ),
    );
    box.hidden = providers.length === 0;
  } catch {
    accountsAvailable = false; // no accounts on this server: guests only
  }
  renderHeader(currentUser());
}

/** Handle `#/oauth?...` after the provider sent the browser back. Returns true if it did. */
export async function finishOAuth(notice) {
  const m = location.hash.match(/^#\/oauth\?(.*)$/);
  if (!m) return false;
  const params = new URLSearchParams(m[1]);
  // Never leave tokens in the address bar or history.
  history.replaceState(null, "", location.pathname);
  if (params.get("error")) {
    notice(tr("auth.failed", { reason: globalThis.synapseClient.errorText(params.get("error")) }));
    return true;
  }
  setAuth({
    accessToken: params.get("accessToken"),
    refreshToken: params.get("refreshToken"),
    expiresIn: params.get("expiresIn"),
  });
  try {
    const me = await api("/me", { auth: true });
    setAuth({ ...auth(), expiresIn: (auth().accessExpiresAt - Date.now()) / 1000, user: me.user });
  } catch (err) {
    notice(tr("auth.failed", { reason: globalThis.synapseClient.errorText(err.code) }));
    clearAuth();
  }
  return true;
}

export async function initAuth({ notice }) {
  onAuthChange(renderHeader);
  $("#login-btn").onclick = () => {
    showError("");
    $("#auth-dialog").showModal();
  };
  $("#auth-close").onclick = () => $("#auth-dialog").close();
  $("#logout-btn").onclick = () => logout(false);
  $("#logout-all-btn").onclick = () => logout(true);
  $("#login-form").onsubmit = (e) => {
    e.preventDefault();
    submit("login", e.target);
  };
  $("#register-form").onsubmit = (e) => {
    e.preventDefault();
    submit("register", e.target);
  };
  renderHeader(currentUser());
  await finishOAuth(notice);
  await loadProviders();
  await refreshMe();
}

/** Re-read the signed-in user (roles may have been granted or revoked since sign-in). */
async function refreshMe() {
  if (!currentUser()) return;
  try {
    const me = await api("/me", { auth: true });
    const now = auth();
    if (now?.user?.id !== me.user.id) return;
    setAuth({ ...now, expiresIn: (now.accessExpiresAt - Date.now()) / 1000, user: me.user });
    renderHeader(me.user);
  } catch {
    // Offline or signed out meanwhile: keep what we have.
  }
}
