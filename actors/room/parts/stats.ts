/**
 * The stats part: the room's time series for the streamer's dashboard — viewers, chat
 * messages and gifts per bucket (`BUCKET_MS`), from the room's activation on, the newest
 * `KEEP` buckets (four hours). Held in memory only: a live room stays active, and a room that
 * passivated had nobody watching. The gifts part reports each committed gift (`gift`).
 */
import type { RoomStatus, StatsPoint, StatsReply } from "../contract.ts";
import type { RoomApi, RoomPart } from "../part.ts";

export const BUCKET_MS = 10_000;
const KEEP = (4 * 3600_000) / BUCKET_MS;

export class StatsPart implements RoomPart {
  readonly name = "stats";
  readonly #points: StatsPoint[] = [];
  #open: StatsPoint & { coinsN: bigint };
  #viewers = 0;

  constructor(private readonly api: RoomApi) {
    this.#open = this.#bucket(Math.floor(api.now() / BUCKET_MS) * BUCKET_MS);
  }

  readonly commands = {
    stats: (): StatsReply => {
      this.#roll(this.api.now());
      return { bucketMs: BUCKET_MS, points: [...this.#points], current: this.#view() };
    },
  };

  onSay(): void {
    this.#roll(this.api.now());
    this.#open.danmaku++;
  }

  describeStatus(status: RoomStatus): void {
    this.#viewers = status.viewers;
    this.#open.viewers = status.viewers;
  }

  onTick(now: number): void {
    this.#roll(now);
  }

  /** A gift committed by the ledger: `amount` integer units as a decimal string. */
  gift(count: number, amount: string): void {
    this.#roll(this.api.now());
    this.#open.gifts += count;
    this.#open.coinsN += BigInt(amount);
  }

  #bucket(t: number): StatsPoint & { coinsN: bigint } {
    return { t, viewers: this.#viewers, danmaku: 0, gifts: 0, coins: "0", coinsN: 0n };
  }

  #view(): StatsPoint {
    const { coinsN, ...p } = this.#open;
    return { ...p, coins: String(coinsN) };
  }

  /** Closes the open bucket (and empty ones after it) once `now` is past it. */
  #roll(now: number): void {
    while (now >= this.#open.t + BUCKET_MS) {
      this.#points.push(this.#view());
      if (this.#points.length > KEEP) this.#points.splice(0, this.#points.length - KEEP);
      const next = this.#open.t + BUCKET_MS;
      // A long quiet gap (no tick: the room slept) restarts at now's bucket.
      this.#open = this.#bucket(
        now - next > KEEP * BUCKET_MS ? Math.floor(now / BUCKET_MS) * BUCKET_MS : next,
      );
    }
  }
}
