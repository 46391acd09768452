/**
 * A link between a room and an outside live room: what the streamer asks for
 * (`LinkRequest`, validated at the API) and what is stored (`BridgeLink`, secrets sealed).
 */
import { z } from "zod";
import { RelayMapping } from "./relay/mapping.ts";

const PlatformName = z.string().regex(/^[a-z][a-z0-9_]{1,23}$/, "2-24 of a-z 0-9 _");

export const LinkRequest = z.discriminatedUnion("platform", [
  z.object({
    platform: z.literal("bilibili"),
    /** The room id in the room's URL (a short id is resolved). */
    roomId: z.number().int().positive().max(2 ** 40),
    /** `SESSDATA=...` (optional; stored encrypted or refused). */
    cookie: z.string().min(1).max(4096).optional(),
  }).strict(),
  z.object({
    platform: z.literal("relay"),
    /** The platform the relay reads (events are tagged with it), e.g. `douyin`. */
    name: PlatformName,
    url: z.string().url().max(2048).refine(
      (u) => /^(https?|wss?):\/\//.test(u),
      "http(s) or ws(s)",
    ),
    mapping: RelayMapping.default(RelayMapping.parse({})),
    token: z.string().min(1).max(4096).optional(),
  }).strict(),
]);
export type LinkRequest = z.infer<typeof LinkRequest>;

/** A request as stored: the secret taken out (it is sealed beside it). */
export type StoredRequest =
  | Omit<Extract<LinkRequest, { platform: "bilibili" }>, "cookie">
  | Omit<Extract<LinkRequest, { platform: "relay" }>, "token">;

export function withoutSecret(req: LinkRequest): { stored: StoredRequest; secret?: string } {
  if (req.platform === "bilibili") {
    const { cookie, ...stored } = req;
    return { stored, secret: cookie };
  }
  const { token, ...stored } = req;
  return { stored, secret: token };
}

export interface BridgeLink {
  /** Unique id of the link (also the bridge actor's id). */
  id: string;
  roomId: string;
  platform: string;
  /** What the streamer sees: `bilibili 21452505`, `douyin via https://relay/...`. */
  label: string;
  request: StoredRequest;
  /** The cookie or token, sealed by `SecretBox`; absent when none was given. */
  sealedSecret?: string;
  createdAt: number;
}

export function newLinkId(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return "ln_" + b.toHex();
}

export function linkLabel(req: StoredRequest): string {
  if (req.platform === "bilibili") return `bilibili ${req.roomId}`;
  const u = new URL(req.url);
  return `${req.name} via ${u.protocol}//${u.host}${u.pathname}`;
}

/** The stored link without its secret's clear text (which it never holds) — for the API. */
/** A link as the API shows it: no request details, no secret (only whether one is kept). */
export interface PublicLink {
  id: string;
  roomId: string;
  platform: string;
  label: string;
  hasSecret: boolean;
  createdAt: number;
}

export function publicLink(l: BridgeLink): PublicLink {
  return {
    id: l.id,
    roomId: l.roomId,
    platform: l.platform,
    label: l.label,
    hasSecret: l.sealedSecret !== undefined,
    createdAt: l.createdAt,
  };
}
