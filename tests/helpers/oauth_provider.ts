/**
 * A local OAuth2 provider speaking the real protocol, for GitHub-shaped and Google-shaped
 * logins: `/{flavor}/authorize` redirects back with a code and the state, `/{flavor}/token`
 * exchanges the code (checking client credentials, redirect URI and the PKCE S256 verifier),
 * and the user-info endpoints answer like GitHub's (`/github/user`, `/github/user/emails`)
 * and Google's (`/google/userinfo`). Whoever "signs in" next is set with `signInAs`.
 */
import { encodeBase64Url } from "../../edge/auth/base64url.ts";
import type { OAuthProviderConfig } from "../../edge/accounts/oauth.ts";

export interface ProviderUser {
  /** GitHub numeric id / Google `sub`. */
  id: string;
  login: string;
  name: string;
  email: string;
  emailVerified: boolean;
}

interface IssuedCode {
  flavor: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  user: ProviderUser;
  used: boolean;
}

export interface LocalOAuthProvider {
  url: string;
  /** The user the next authorization signs in as. */
  signInAs(user: ProviderUser): void;
  config(flavor: "github" | "google"): OAuthProviderConfig;
  /** Token requests refused so far, with the reason (for assertions). */
  refusals: string[];
  close(): Promise<void>;
}

const CLIENT_ID = "local-client";
const CLIENT_SECRET = "local-secret";

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return encodeBase64Url(new Uint8Array(digest));
}

export function startOAuthProvider(): LocalOAuthProvider {
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, { flavor: string; user: ProviderUser }>();
  const refusals: string[] = [];
  let next: ProviderUser | undefined;

  const refuse = (reason: string, status = 400) => {
    refusals.push(reason);
    return Response.json({ error: "invalid_grant", error_description: reason }, { status });
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const [, flavor, ...rest] = url.pathname.split("/");
    const route = rest.join("/");
    if (flavor !== "github" && flavor !== "google") return new Response("no", { status: 404 });

    if (route === "authorize" && req.method === "GET") {
      const p = url.searchParams;
      if (p.get("response_type") !== "code" || p.get("client_id") !== CLIENT_ID) {
        return new Response("bad authorization request", { status: 400 });
      }
      if (p.get("code_challenge_method") !== "S256" || !p.get("code_challenge")) {
        return new Response("PKCE S256 required", { status: 400 });
      }
      const redirect = p.get("redirect_uri");
      if (!redirect || !next) return new Response("nobody to sign in", { status: 400 });
      const code = crypto.randomUUID();
      codes.set(code, {
        flavor,
        clientId: CLIENT_ID,
        redirectUri: redirect,
        challenge: p.get("code_challenge")!,
        user: next,
        used: false,
      });
      const back = new URL(redirect);
      back.searchParams.set("code", code);
      back.searchParams.set("state", p.get("state") ?? "");
      return new Response(null, { status: 302, headers: { location: back.toString() } });
    }

    if (route === "token" && req.method === "POST") {
      const form = new URLSearchParams(await req.text());
      const basic = req.headers.get("authorization") ?? "";
      const expected = `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`;
      if (basic !== expected) return refuse("bad client credentials", 401);
      if (form.get("grant_type") !== "authorization_code") return refuse("bad grant_type");
      const issued = codes.get(form.get("code") ?? "");
      if (!issued || issued.used || issued.flavor !== flavor) return refuse("unknown code");
      issued.used = true;
      if (form.get("redirect_uri") !== issued.redirectUri) return refuse("redirect_uri mismatch");
      const verifier = form.get("code_verifier") ?? "";
      if ((await s256(verifier)) !== issued.challenge) return refuse("PKCE verifier mismatch");
      const token = `at_${crypto.randomUUID()}`;
      accessTokens.set(token, { flavor, user: issued.user });
      return Response.json({ access_token: token, token_type: "bearer", scope: "" });
    }

    const auth = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
    const session = auth ? accessTokens.get(auth[1]) : undefined;
    if (!session || session.flavor !== flavor) {
      return Response.json({ message: "Bad credentials" }, { status: 401 });
    }
    const u = session.user;
    if (flavor === "github" && route === "user") {
      return Response.json({ id: Number(u.id), login: u.login, name: u.name, email: null });
    }
    if (flavor === "github" && route === "user/emails") {
      return Response.json([
        { email: `${u.login}@users.noreply.github.com`, primary: false, verified: true },
        { email: u.email, primary: true, verified: u.emailVerified },
      ].filter((e) => e.verified || e.primary));
    }
    if (flavor === "google" && route === "userinfo") {
      return Response.json({
        sub: u.id,
        name: u.name,
        email: u.email,
        email_verified: u.emailVerified,
      });
    }
    return new Response("not found", { status: 404 });
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    url: base,
    refusals,
    signInAs(user) {
      next = user;
    },
    config(flavor) {
      return {
        id: flavor,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        authorizeUrl: `${base}/${flavor}/authorize`,
        tokenUrl: `${base}/${flavor}/token`,
        userInfoUrl: flavor === "github" ? `${base}/github/user` : `${base}/google/userinfo`,
        emailsUrl: flavor === "github" ? `${base}/github/user/emails` : undefined,
        scopes: flavor === "github" ? ["read:user", "user:email"] : ["openid", "email"],
      };
    },
    close: () => server.shutdown(),
  };
}
