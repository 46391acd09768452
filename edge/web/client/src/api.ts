/**
 * REST calls and the signed-in session, shared by every page and tab through localStorage
 * (`synapse.auth`: access + refresh token and the user). An expired access token is refreshed
 * once under a Web Lock (refresh tokens rotate: one exchange each, whichever tab does it).
 */
import { effect, signal } from "@preact/signals";
import { errorSentencesReady } from "./i18n/i18n.ts";
import { type Locale, locale } from "./i18n/locale.ts";

const AUTH_KEY = "synapse.auth";

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  /** What notifications are written in (follows the language switch); null: not known yet. */
  language?: Locale | null;
}

interface StoredAuth {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  user: SessionUser | null;
}

export function readAuth(): StoredAuth | null {
  try {
    return JSON.parse(localStorage.getItem(AUTH_KEY) ?? "null");
  } catch {
    return null;
  }
}

/** The signed-in user, or null; updated when any page of this tab or another signs in/out. */
export const currentUser = signal<SessionUser | null>(readAuth()?.user ?? null);
const syncUser = () => {
  const next = readAuth()?.user ?? null;
  if (next?.id !== currentUser.value?.id) currentUser.value = next;
};
addEventListener("storage", (e) => e.key === AUTH_KEY && syncUser());

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message?: string,
    /** Seconds the server asked to wait (429 `Retry-After`). */
    readonly retryAfter?: number,
  ) {
    super(message || code);
  }
}

interface CallOptions {
  method?: string;
  json?: unknown;
  /** Send the signed-in user's access token (refreshed when due). */
  auth?: boolean;
  /**
   * A failure is an answer the caller handles without saying its code (no accounts on this
   * server, a room with no stream): the error sentences are not loaded for it.
   */
  quiet?: boolean;
}

async function rawCall<T>(path: string, opts: CallOptions, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.json !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method: opts.method ?? (opts.json === undefined ? "GET" : "POST"),
      headers,
      body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    });
  } catch {
    // said from the catalogue (errorText): no sentences to load for it
    throw new ApiError(0, "offline", "network unreachable");
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    // Whoever catches it says the code as a sentence (loaded on first use): have them in.
    if (!opts.quiet) await errorSentencesReady();
    throw new ApiError(
      res.status,
      body.error?.code ?? `http_${res.status}`,
      body.error?.message,
      Number(res.headers.get("retry-after")) || undefined,
    );
  }
  return body as T;
}

let refreshing: Promise<StoredAuth> | null = null;

function refreshSession(): Promise<StoredAuth> {
  refreshing ??= (async () => {
    const used = readAuth()?.refreshToken;
    if (!used) throw new ApiError(401, "login_required");
    const run = async (): Promise<StoredAuth> => {
      const now = readAuth();
      if (now?.refreshToken && now.refreshToken !== used) return now; // another tab rotated it
      try {
        const body = await rawCall<
          { accessToken: string; refreshToken: string; expiresIn?: number; user?: SessionUser }
        >("/auth/refresh", { json: { refreshToken: used } });
        const next: StoredAuth = {
          accessToken: body.accessToken,
          refreshToken: body.refreshToken,
          accessExpiresAt: Date.now() + Number(body.expiresIn ?? 900) * 1000,
          user: body.user ?? now?.user ?? null,
        };
        localStorage.setItem(AUTH_KEY, JSON.stringify(next));
        return next;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          localStorage.removeItem(AUTH_KEY);
          syncUser();
        }
        throw err;
      }
    };
    return navigator.locks ? await navigator.locks.request("synapse-refresh", run) : await run();
  })().finally(() => (refreshing = null));
  return refreshing;
}

/** The signed-in user's access token (refreshed when due), or null for a guest. */
export async function accessToken(): Promise<string | null> {
  const a = readAuth();
  if (!a) return null;
  if (a.accessExpiresAt - Date.now() > 30_000) return a.accessToken;
  return (await refreshSession()).accessToken;
}

/** The signed-in user's access token (refreshed when due, or now with `force`), or null. */
export async function freshAccessToken(force = false): Promise<string | null> {
  return force ? (await refreshSession()).accessToken : await accessToken();
}

/** A random idempotency key (one per user action; retries of that action reuse it). */
export const newKey = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;

/**
 * A failure whose code the caller says as a sentence (`errorText` in its `catch`): the error
 * sentences, loaded on first use, are in before it rejects.
 */
export async function withErrorSentences<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    // "offline" (no answer at all) is said from the catalogue: nothing to load for it
    if (!(err instanceof ApiError && err.code === "offline")) await errorSentencesReady();
    throw err;
  }
}

/** Call `/api{path}`; with `auth`, as the signed-in user (one retry after a refresh). */
export function api<T>(path: string, opts: CallOptions = {}): Promise<T> {
  return opts.quiet ? call<T>(path, opts) : withErrorSentences(call<T>(path, opts));
}

async function call<T>(path: string, opts: CallOptions): Promise<T> {
  if (!opts.auth) return await rawCall<T>(path, opts);
  const token = await accessToken();
  if (!token) throw new ApiError(401, "login_required");
  try {
    return await rawCall<T>(path, opts, token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || err.code === "invalid_credentials") {
      throw err;
    }
    return await rawCall<T>(path, opts, (await refreshSession()).accessToken);
  }
}

interface SessionBody {
  accessToken: string;
  refreshToken: string;
  expiresIn?: number | string;
  user?: SessionUser;
}

/** Stores a session (from sign-in, registration or OAuth) for every page of this browser. */
function storeSession(body: SessionBody): void {
  const stored: StoredAuth = {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    accessExpiresAt: Date.now() + Number(body.expiresIn ?? 900) * 1000,
    user: body.user ?? readAuth()?.user ?? null,
  };
  localStorage.setItem(AUTH_KEY, JSON.stringify(stored));
  syncUser();
}

/** Signs in with a username and password. */
export async function signIn(username: string, password: string): Promise<SessionUser> {
  const body = await rawCall<SessionBody & { user: SessionUser }>("/auth/login", {
    json: { username, password },
  });
  storeSession(body);
  return body.user;
}

/** Creates an account and signs in with it. */
export async function register(
  username: string,
  password: string,
  displayName?: string,
): Promise<SessionUser> {
  const body = await rawCall<SessionBody & { user: SessionUser }>("/auth/register", {
    json: { username, password, language: locale.value, ...(displayName ? { displayName } : {}) },
  });
  storeSession(body);
  return body.user;
}

/** Signs out here (or, with `everywhere`, every session of the account). */
export async function signOut(everywhere = false): Promise<void> {
  try {
    await api(everywhere ? "/auth/logout-all" : "/auth/logout", { method: "POST", auth: true });
  } catch {
    // The session may already be gone; forget it here either way.
  }
  localStorage.removeItem(AUTH_KEY);
  syncUser();
}

/**
 * Where an OAuth provider sent the browser back (`/#/oauth?accessToken=...` or `?error=`):
 * takes the tokens from the fragment and cleans the address bar at once. Returns the error
 * code when sign-in failed, "" when it worked, null when this is no OAuth return.
 */
export async function finishOAuth(): Promise<string | null> {
  const m = location.hash.match(/^#\/oauth\?(.*)$/);
  if (!m) return null;
  const params = new URLSearchParams(m[1]);
  // Never leave tokens in the address bar or history.
  history.replaceState(null, "", location.pathname);
  const error = params.get("error");
  if (error) return error;
  storeSession({
    accessToken: params.get("accessToken") ?? "",
    refreshToken: params.get("refreshToken") ?? "",
    expiresIn: params.get("expiresIn") ?? undefined,
  });
  try {
    const { user } = await api<{ user: SessionUser }>("/me", { auth: true });
    const now = readAuth();
    if (now) localStorage.setItem(AUTH_KEY, JSON.stringify({ ...now, user }));
    syncUser();
    return "";
  } catch (err) {
    localStorage.removeItem(AUTH_KEY);
    syncUser();
    return err instanceof ApiError ? err.code : "offline";
  }
}

/**
 * Re-reads the signed-in user (`GET /api/me`): roles granted or revoked since sign-in show
 * without signing in again. Quietly keeps what is stored when the server cannot answer.
 */
export async function refreshUser(): Promise<void> {
  const stored = readAuth();
  if (!stored) return;
  try {
    const { user } = await api<{ user: SessionUser }>("/me", { auth: true });
    const now = readAuth();
    if (!now) return;
    localStorage.setItem(AUTH_KEY, JSON.stringify({ ...now, user }));
    if (JSON.stringify(user) !== JSON.stringify(currentUser.value)) currentUser.value = user;
  } catch {
    // offline or signed out meanwhile: the stored user stands
  }
}

/**
 * The account's language (what its push and e-mail notifications are written in) follows the
 * language switch: sent whenever the two differ while signed in (also for an account that has
 * none on file yet).
 */
effect(() => {
  const user = currentUser.value;
  const language = locale.value;
  if (!user || user.language === language) return;
  api<{ user: SessionUser }>("/me/language", { method: "PUT", json: { language }, auth: true })
    .then(({ user: updated }) => {
      const stored = readAuth();
      if (!stored?.user || stored.user.id !== updated.id) return;
      stored.user = { ...stored.user, language: updated.language };
      localStorage.setItem(AUTH_KEY, JSON.stringify(stored));
      currentUser.value = stored.user;
    })
    .catch(() => {});
});
