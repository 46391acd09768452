/**
 * The viewer WebSocket gateway of one edge: upgrades `/ws/rooms/:roomId`, runs a
 * `ViewerSession` per socket, shares one room subscription among local viewers
 * (`FanoutRegistry`), and reports this edge's viewer counts to rooms (`PresenceReporter`).
 */
import type { Logger } from "../engine/log.ts";
import type { Transport } from "../engine/transport.ts";
import type { IdentityResolver } from "./auth/identity.ts";
import type { EdgeLimits } from "./limits.ts";
import { PresenceReporter } from "./presence.ts";
import { CloseCode } from "./protocol.ts";
import { FanoutRegistry } from "./room_fanout.ts";
import type { RoomClient } from "../actors/room/client.ts";
import { ViewerSession } from "./viewer_session.ts";

export interface GatewayDeps {
  edgeId: string;
  transport: Transport;
  rooms: RoomClient;
  identity: IdentityResolver;
  limits: EdgeLimits;
  log: Logger;
}

export interface GatewayStats {
  sockets: number;
  rooms: number;
  dropping: number;
}

/** How often slow viewers are checked for recovery when no batch arrives. */
const RECOVERY_CHECK_MS = 1_000;

export class Gateway {
  private readonly sessions = new Set<ViewerSession>();
  private readonly fanout: FanoutRegistry;
  private readonly presence: PresenceReporter;
  private readonly recoveryTimer: ReturnType<typeof setInterval>;
  private closing = false;

  constructor(private readonly deps: GatewayDeps) {
    const log = deps.log.child({ component: "gateway" });
    this.presence = new PresenceReporter(
      (roomId, viewers) => deps.rooms.presence(roomId, deps.edgeId, viewers),
      deps.limits,
      log,
    );
    this.fanout = new FanoutRegistry(
      deps.transport,
      log,
      (roomId, n) => this.presence.changed(roomId, n),
      deps.limits.displayBudgetPerSecond,
    );
    this.recoveryTimer = setInterval(() => {
      for (const s of this.sessions) if (s.isDropping) s.checkRecovery();
    }, RECOVERY_CHECK_MS);
  }

  /**
   * Upgrade `req` (already checked to be a WebSocket upgrade for a valid room id).
   * `onClosed` runs once when the socket is gone (e.g. to free the client IP's slot).
   */
  upgrade(req: Request, roomId: string, onClosed?: () => void): Response {
    let upgraded: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgraded = Deno.upgradeWebSocket(req, { idleTimeout: 60 });
    } catch (err) {
      onClosed?.();
      throw err;
    }
    const { socket, response } = upgraded;
    if (this.closing) {
      socket.onclose = () => onClosed?.();
      socket.onopen = () => socket.close(CloseCode.goingAway, "server shutting down");
      return response;
    }
    const session = new ViewerSession(socket, {
      roomId,
      edgeId: this.deps.edgeId,
      identity: this.deps.identity,
      rooms: this.deps.rooms,
      fanout: this.fanout,
      limits: this.deps.limits,
      log: this.deps.log,
      onClosed: (s) => {
        this.sessions.delete(s);
        onClosed?.();
      },
    });
    this.sessions.add(session);
    return response;
  }

  stats(): GatewayStats {
    let dropping = 0;
    for (const s of this.sessions) if (s.isDropping) dropping++;
    return { sockets: this.sessions.size, rooms: this.fanout.subscriptions, dropping };
  }

  /** Close every socket with 1001, report the final counts to rooms, unsubscribe. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.recoveryTimer);
    for (const s of [...this.sessions]) s.closeWith(CloseCode.goingAway, "server shutting down");
    await this.presence.close();
    this.fanout.close();
  }
}
