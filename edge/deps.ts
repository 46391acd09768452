/**
 * What the edge's routers are built from. `wiring/edge_http.ts` assembles it; routers take it (or the
 * part they need) so another router mounts with one line in `app.ts`.
 */
import type { Config } from "./wiring/config.ts";
import type { Logger } from "../engine/log.ts";
import type { Transport } from "../engine/transport.ts";
import type { Accounts } from "./accounts/service.ts";
import type { IdentityResolver } from "./auth/identity.ts";
import type { TokenSigner } from "./auth/tokens.ts";
import type { Gateway } from "./gateway.ts";
import type { IpLimits } from "./ip_limits.ts";
import type { ActorAsker, RoomClient } from "../actors/room/client.ts";
import type { RoomDirectory } from "./room_directory.ts";
import type { EconomyDeps } from "./routes/economy.ts";
import type { MediaRouteDeps } from "./routes/media.ts";
import type { AnalysisRouteDeps } from "./routes/analysis.ts";
import type { Recogniser } from "../media/audio/asr.ts";
import type { WebhookRouteDeps } from "./routes/webhooks.ts";
import type { NotificationRouteDeps } from "./routes/notifications.ts";

/** One readiness check of `/readyz`. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<boolean>;
}

export interface EdgeDeps {
  config: Config;
  log: Logger;
  /** Id of this edge (presence reports, logs). */
  edgeId: string;
  transport: Transport;
  /** Any actor, anywhere (`ActorClient`). */
  actors: ActorAsker;
  rooms: RoomClient;
  tokens: TokenSigner;
  identity: IdentityResolver;
  directory: RoomDirectory;
  gateway: Gateway;
  readiness: ReadinessProbe[];
  /** Per-client-IP caps on sockets, guest sessions and sign-in attempts (absent: none). */
  ipLimits?: IpLimits;
  /** Accounts, follows, rooms (`edge/wiring/accounts.ts`); routes mounted when present. */
  accounts?: Accounts;
  /** Wallets, gifts catalog, leaderboards, earnings, withdrawals; mounted when present. */
  economy?: EconomyDeps;
  /** LiveKit webhooks/tokens/ingress, recording control, VOD (`edge/wiring/media.ts`); mounted when present. */
  media?: MediaRouteDeps;
  /** Coaching tips, re-runs, summaries and captions of recordings (`routes/analysis.ts`). */
  analysis?: AnalysisRouteDeps;
  /**
   * The process's speech recogniser when it already has one (the analysis models): /proxy-ws
   * spoken input shares it instead of starting a second (else it builds its own at first use).
   */
  speech?: { recogniser(): Promise<Recogniser | null> };
  /** Outbound webhooks: endpoints, delivery log, redelivery (`edge/wiring/webhooks.ts`). */
  webhooks?: WebhookRouteDeps;
  /** Notifications: inbox, preferences, push subscriptions, e-mail (`edge/wiring/notifications.ts`). */
  notifications?: NotificationRouteDeps;
}
