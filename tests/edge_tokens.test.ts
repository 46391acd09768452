/** HS256 session tokens: round trip, and every way a token can be wrong. */
import assert from "node:assert/strict";
import { encodeBase64Url } from "../edge/auth/base64url.ts";
import { AuthError, SessionTokenResolver } from "../edge/auth/identity.ts";
import { Hs256Tokens, TokenError } from "../edge/auth/tokens.ts";

const SECRET = "unit-test-secret-0123456789abcdef";
const claims = { sub: "u_1", name: "alice", kind: "user" as const, roles: ["admin"] };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TokenError || err instanceof AuthError) return err.code;
    throw err;
  }
  return "accepted";
}

const seg = (o: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(o)));

Deno.test("tokens: sign/verify round trip and resolver identity", async () => {
  const tokens = await Hs256Tokens.create(SECRET);
  const token = await tokens.sign(claims, 60);
  const verified = await tokens.verify(token);
  assert.equal(verified.sub, "u_1");
  assert.deepEqual(verified.roles, ["admin"]);
  assert.equal(verified.exp - verified.iat, 60);
  const identity = await new SessionTokenResolver(tokens).resolve(token);
  assert.deepEqual(identity, { userId: "u_1", name: "alice", kind: "user", roles: ["admin"] });
});

Deno.test("tokens: refused with stable codes", async () => {
  let now = 1_800_000_000_000;
  const tokens = await Hs256Tokens.create(SECRET, () => now);
  const other = await Hs256Tokens.create("another-secret-0123456789abcdef");
  const token = await tokens.sign(claims, 60);
  const [h, p, s] = token.split(".");
  const payload = JSON.parse(
    new TextDecoder().decode(Uint8Array.fromBase64(p, { alphabet: "base64url" })),
  );

  assert.equal(await code(tokens.verify("")), "token_malformed");
  assert.equal(await code(tokens.verify("a.b")), "token_malformed");
  assert.equal(await code(tokens.verify(`${h}.${p}.${s}.x`)), "token_malformed");
  assert.equal(await code(tokens.verify(`!!.${p}.${s}`)), "token_malformed");
  assert.equal(await code(tokens.verify(`${seg({ alg: "none" })}.${p}.`)), "token_unsupported_alg");
  assert.equal(
    await code(tokens.verify(`${seg({ alg: "HS512" })}.${p}.${s}`)),
    "token_unsupported_alg",
  );
  assert.equal(
    await code(tokens.verify(`${seg({ alg: "RS256" })}.${p}.${s}`)),
    "token_unsupported_alg",
  );
  // Payload changed (roles escalated) under the original signature.
  const escalated = seg({ ...payload, sub: "someone_else" });
  assert.equal(await code(tokens.verify(`${h}.${escalated}.${s}`)), "token_bad_signature");
  assert.equal(await code(tokens.verify(await other.sign(claims, 60))), "token_bad_signature");
  // Validly signed but wrong claims (e.g. missing issuer).
  const { iss: _iss, ...noIss } = payload;
  const noIssToken = `${h}.${seg(noIss)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(noIssToken)),
  );
  assert.equal(
    await code(tokens.verify(`${noIssToken}.${encodeBase64Url(mac)}`)),
    "token_bad_claims",
  );

  now += 60_000 + 31_000; // past exp plus the allowed skew
  assert.equal(await code(tokens.verify(token)), "token_expired");
  const resolver = new SessionTokenResolver(tokens);
  assert.equal(await code(resolver.resolve(token)), "auth_expired");
  assert.equal(await code(resolver.resolve("nope")), "auth_invalid");
  assert.equal(await code(resolver.resolve("")), "auth_required");
});
