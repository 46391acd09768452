/**
 * Live rooms as this edge knows them, built from the status every active room publishes
 * on `rooms.status.{roomId}` (`GET /api/rooms`). A room leaves the directory when it says
 * it is passivating or when its status has not been refreshed for `staleMs`.
 */
import type { RoomStatus } from "../actors/room/contract.ts";
import { decodeJson } from "../engine/codec.ts";
import type { Logger } from "../engine/log.ts";
import { ID_PATTERN } from "../engine/subject.ts";
import type { Subscription, Transport } from "../engine/transport.ts";

export class RoomDirectory {
  private readonly rooms = new Map<string, { status: RoomStatus; seenAt: number }>();
  private readonly subscription: Subscription;

  constructor(
    transport: Transport,
    private readonly log: Logger,
    private readonly staleMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {
    this.subscription = transport.subscribe("rooms.status.*", (msg) => {
      try {
        this.update(decodeJson<RoomStatus>(msg.data));
      } catch (err) {
        this.log.warn("unparsable room status", { subject: msg.subject, err });
      }
    });
  }

  private update(status: RoomStatus): void {
    if (typeof status?.roomId !== "string" || !ID_PATTERN.test(status.roomId)) return;
    if (status.active === false) this.rooms.delete(status.roomId);
    else this.rooms.set(status.roomId, { status, seenAt: this.now() });
  }

  /** Active rooms: those on air first, then by viewers. */
  list(): RoomStatus[] {
    const cutoff = this.now() - this.staleMs;
    const live: RoomStatus[] = [];
    for (const [id, entry] of this.rooms) {
      if (entry.seenAt < cutoff) this.rooms.delete(id);
      else live.push(entry.status);
    }
    return live.sort((a, b) =>
      Number(b.live ?? false) - Number(a.live ?? false) || b.viewers - a.viewers ||
      a.roomId.localeCompare(b.roomId)
    );
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
