// REST calls and the signed-in session. The session (access + refresh token) lives in
// localStorage; an expired access token is refreshed once (refresh tokens rotate: each is
// good for one exchange, so tabs refresh under a Web Lock and re-read what another tab got).
// Guests get a guest token for the socket. Amounts are decimal strings, never floats.

const AUTH_KEY = "synapse.auth";
const GUEST_KEY = "synapse.session";
const listeners = new Set();

/** `{accessToken, refreshToken, accessExpiresAt, user}` or null. */
export function auth() {
  try {
    return JSON.parse(localStorage.getItem(AUTH_KEY) || "null");
  } catch {
    return null;
  }
}

/** The signed-in user (`{id, username, displayName, roles...}`) or null. */
export const currentUser = () => auth()?.user ?? null;

/** Store a session from a login/register/refresh body (or the OAuth fragment). */
export function setAuth(body) {
  const previous = auth();
  const next = {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    accessExpiresAt: Date.now() + Number(body.expiresIn ?? 900) * 1000,
    user: body.user ?? previous?.user ?? null,
  };
  localStorage.setItem(AUTH_KEY, JSON.stringify(next));
  // A refreshed token is the same person: only a change of user is news.
  if (previous?.user?.id !== next.user?.id) announce(next.user);
}

export function clearAuth() {
  localStorage.removeItem(AUTH_KEY);
  announce(null);
}

/** Tell this module's listeners and the TypeScript pages (client/src/api.ts) of this tab. */
function announce(user) {
  for (const fn of listeners) fn(user);
  dispatchEvent(new Event("synapse:auth"));
}

/** Called with the user (or null) when someone signs in or out. */
export function onAuthChange(fn) {
  listeners.add(fn);
}

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || code);
    this.status = status;
    this.code = code;
    /** Seconds the server asked to wait (429 `Retry-After`), else undefined. */
    this.retryAfter = retryAfter;
  }
}

async function rawCall(path, { method, json, token } = {}) {
  const headers = {};
  if (json !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`/api${path}`, {
    method: method ?? (json === undefined ? "GET" : "POST"),
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const retryAfter = Number(res.headers.get("retry-after")) || undefined;
    throw new ApiError(
      res.status,
      body.error?.code ?? "http_" + res.status,
      body.error?.message,
      retryAfter,
    );
  }
  return body;
}

let refreshing = null;

/** Exchange the refresh token for a new pair (single flight per tab, locked across tabs). */
export function refreshSession() {
  refreshing ??= (async () => {
    const used = auth()?.refreshToken;
    if (!used) throw new ApiError(401, "login_required", "please sign in");
    const run = async () => {
      const now = auth();
      // Another tab already rotated it: use what it got.
      if (now?.refreshToken && now.refreshToken !== used) return now;
      try {
        const body = await rawCall("/auth/refresh", { json: { refreshToken: used } });
        setAuth(body);
        return auth();
      } catch (err) {
        if (err.status === 401) clearAuth();
        throw err;
      }
    };
    return navigator.locks ? await navigator.locks.request("synapse-refresh", run) : await run();
  })().finally(() => (refreshing = null));
  return refreshing;
}

/** A fresh-enough access token for the signed-in user (refreshing it when due). */
export async function accessToken() {
  const a = auth();
  if (!a) return null;
  if (a.accessExpiresAt - Date.now() > 30_000) return a.accessToken;
  return (await refreshSession()).accessToken;
}

/**
 * Call the API. `auth: true` sends the user's access token and retries once after a
 * refresh when the server says it expired.
 */
export async function api(path, opts = {}) {
  if (!opts.auth) return await rawCall(path, opts);
  const token = await accessToken();
  if (!token) throw new ApiError(401, "login_required", "please sign in");
  try {
    return await rawCall(path, { ...opts, token });
  } catch (err) {
    if (err.status !== 401 || err.code === "invalid_credentials") throw err;
    const again = await refreshSession();
    return await rawCall(path, { ...opts, token: again.accessToken });
  }
}

/** A guest session for the socket (kept until it nearly expires). */
export async function guestSession(forceNew = false) {
  const saved = JSON.parse(localStorage.getItem(GUEST_KEY) || "null");
  if (!forceNew && saved && Date.parse(saved.expiresAt) - Date.now() > 60_000) return saved;
  const nickname = localStorage.getItem("synapse.nickname") || undefined;
  const body = await rawCall("/session/guest", { json: nickname ? { nickname } : {} });
  localStorage.setItem(GUEST_KEY, JSON.stringify(body));
  return body;
}

/**
 * The token and identity for a room socket: the signed-in user's access token, else a
 * guest token. `forceNew` after the server refused the token (close 4401).
 */
export async function socketIdentity(forceNew = false) {
  const a = auth();
  if (a) {
    try {
      const token = forceNew ? (await refreshSession()).accessToken : await accessToken();
      return {
        token,
        identity: {
          userId: a.user.id,
          name: a.user.displayName,
          kind: "user",
          roles: a.user.roles,
        },
      };
    } catch {
      // The session is gone (logged out elsewhere): continue as a guest.
    }
  }
  const g = await guestSession(forceNew);
  return { token: g.token, identity: g.identity };
}

/** A random idempotency key (one per user action; retries of that action reuse it). */
export const newKey = (prefix) => `${prefix}-${crypto.randomUUID()}`;

export const $ = (sel, root = document) => root.querySelector(sel);

/** `el("button", {class: "x", onclick}, "text", child...)` */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/** Integer coin amounts from decimal strings, formatted with separators (no floats). */
export function coins(amount) {
  return BigInt(amount).toLocaleString("en-US");
}
