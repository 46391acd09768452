/**
 * Who a room socket speaks for: the signed-in user's access token, else a guest token
 * (`POST /api/session/guest`, kept in localStorage as `synapse.session` until it nearly
 * expires, shared with the older pages). `forceNew` after the server refused the token (4401).
 */
import { api, ApiError, freshAccessToken, readAuth } from "./api.ts";

const GUEST_KEY = "synapse.session";

export interface SocketIdentity {
  token: string;
  identity: { userId: string; name: string; kind: "guest" | "user"; roles: string[] };
}

interface GuestSession extends SocketIdentity {
  expiresAt: string;
}

async function guestSession(forceNew: boolean): Promise<GuestSession> {
  let saved: GuestSession | null = null;
  try {
    saved = JSON.parse(localStorage.getItem(GUEST_KEY) ?? "null");
  } catch {
    saved = null;
  }
  if (!forceNew && saved && Date.parse(saved.expiresAt) - Date.now() > 60_000) return saved;
  const nickname = localStorage.getItem("synapse.nickname") || undefined;
  const body = await api<GuestSession>("/session/guest", { json: nickname ? { nickname } : {} });
  localStorage.setItem(GUEST_KEY, JSON.stringify(body));
  return body;
}

export async function socketIdentity(forceNew = false): Promise<SocketIdentity> {
  const a = readAuth();
  if (a?.user) {
    try {
      const token = await freshAccessToken(forceNew);
      if (token) {
        return {
          token,
          identity: {
            userId: a.user.id,
            name: a.user.displayName,
            kind: "user",
            roles: a.user.roles,
          },
        };
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // The session is gone (signed out elsewhere): continue as a guest.
    }
  }
  const g = await guestSession(forceNew);
  return { token: g.token, identity: g.identity };
}
