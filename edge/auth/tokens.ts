/**
 * Session tokens: compact JWTs signed with HMAC-SHA-256 (HS256) through WebCrypto.
 * Only HS256 is accepted (no `none`, no algorithm switching), the signature is checked in
 * constant time by `crypto.subtle.verify`, and expiry is enforced. Every failure is a
 * `TokenError` with a stable code so callers can map it to a response without parsing text.
 */
import { z } from "zod";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

export type TokenErrorCode =
  | "token_malformed"
  | "token_unsupported_alg"
  | "token_bad_signature"
  | "token_expired"
  | "token_not_yet_valid"
  | "token_bad_claims";

export class TokenError extends Error {
  constructor(readonly code: TokenErrorCode, message: string) {
    super(message);
    this.name = "TokenError";
  }
}

/** Claims Synapse Live puts in a session token. */
export const SessionClaims = z.object({
  /** User id (an ID_PATTERN id). */
  sub: z.string().min(1).max(64),
  name: z.string().min(1).max(32),
  kind: z.enum(["guest", "user"]),
  roles: z.array(z.string().max(32)).max(8).default([]),
  iss: z.literal("synapse-live"),
  /** Seconds since the epoch. */
  iat: z.number().int(),
  exp: z.number().int(),
  nbf: z.number().int().optional(),
});
export type SessionClaims = z.infer<typeof SessionClaims>;

const JwtHeader = z.object({ alg: z.string(), typ: z.string().optional() });

/** Accepted clock difference between signer and verifier, seconds. */
const CLOCK_SKEW_S = 30;
const MAX_TOKEN_CHARS = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const HEADER_SEGMENT = encodeBase64Url(
  encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })),
);

export interface TokenSigner {
  /** Sign `claims` valid for `ttlSeconds` from now. */
  sign(
    claims: Omit<SessionClaims, "iat" | "exp" | "iss" | "nbf">,
    ttlSeconds: number,
  ): Promise<string>;
  /** Verify and return the claims; throws TokenError. */
  verify(token: string): Promise<SessionClaims>;
}

export class Hs256Tokens implements TokenSigner {
  #key: Promise<CryptoKey> | undefined;

  private constructor(
    private readonly secret: string,
    private readonly nowMs: () => number,
  ) {}

  /**
   * `secret` is raw key material (at least 32 bytes recommended). Its HMAC key is imported for
   * the first token signed or verified: an idle edge runs no WebCrypto (issue 18).
   */
  static create(secret: string, nowMs: () => number = Date.now): Promise<Hs256Tokens> {
    if (secret.length < 16) {
      return Promise.reject(new Error("auth secret must be at least 16 characters"));
    }
    return Promise.resolve(new Hs256Tokens(secret, nowMs));
  }

  private get key(): Promise<CryptoKey> {
    return this.#key ??= crypto.subtle.importKey(
      "raw",
      encoder.encode(this.secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  async sign(
    claims: Omit<SessionClaims, "iat" | "exp" | "iss" | "nbf">,
    ttlSeconds: number,
  ): Promise<string> {
    const iat = Math.floor(this.nowMs() / 1000);
    const full: SessionClaims = { ...claims, iss: "synapse-live", iat, exp: iat + ttlSeconds };
    const payload = encodeBase64Url(encoder.encode(JSON.stringify(full)));
    const signingInput = `${HEADER_SEGMENT}.${payload}`;
    const mac = await crypto.subtle.sign("HMAC", await this.key, encoder.encode(signingInput));
    return `${signingInput}.${encodeBase64Url(new Uint8Array(mac))}`;
  }

  async verify(token: string): Promise<SessionClaims> {
    if (typeof token !== "string" || token.length > MAX_TOKEN_CHARS) {
      throw new TokenError("token_malformed", "token is not a compact JWT");
    }
    const parts = token.split(".");
    if (parts.length !== 3) throw new TokenError("token_malformed", "token is not a compact JWT");
    const [headerPart, payloadPart, signaturePart] = parts;

    const header = JwtHeader.safeParse(parseSegment(headerPart));
    if (!header.success) throw new TokenError("token_malformed", "token header is not valid");
    if (header.data.alg !== "HS256") {
      throw new TokenError("token_unsupported_alg", `algorithm ${header.data.alg} is not accepted`);
    }

    let signature: Uint8Array;
    try {
      signature = decodeBase64Url(signaturePart);
    } catch {
      throw new TokenError("token_malformed", "token signature is not base64url");
    }
    const valid = await crypto.subtle.verify(
      "HMAC",
      await this.key,
      signature as Uint8Array<ArrayBuffer>,
      encoder.encode(`${headerPart}.${payloadPart}`),
    );
    if (!valid) throw new TokenError("token_bad_signature", "token signature does not match");

    const claims = SessionClaims.safeParse(parseSegment(payloadPart));
    if (!claims.success) throw new TokenError("token_bad_claims", "token claims are not valid");
    const nowS = Math.floor(this.nowMs() / 1000);
    if (claims.data.exp <= nowS - CLOCK_SKEW_S) {
      throw new TokenError("token_expired", "token has expired");
    }
    if (claims.data.nbf !== undefined && claims.data.nbf > nowS + CLOCK_SKEW_S) {
      throw new TokenError("token_not_yet_valid", "token is not valid yet");
    }
    return claims.data;
  }
}

function parseSegment(segment: string): unknown {
  try {
    return JSON.parse(decoder.decode(decodeBase64Url(segment)));
  } catch {
    throw new TokenError("token_malformed", "token segment is not base64url JSON");
  }
}
