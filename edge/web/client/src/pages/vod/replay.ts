/**
 * Chat replay of a recording: its archived danmaku (`GET /api/vod/:recordingId/danmaku`) fly
 * over the video at the offsets they were sent and are listed beside it. Loaded by windows of
 * `WINDOW_MS` around the playhead (the current and the next), so seeking anywhere works; a
 * jump clears the screen instead of replaying everything skipped.
 */
import { signal } from "@preact/signals";

export interface ReplayDanmaku {
  id: string;
  userId: string;
  name: string;
  text: string;
  at: number;
  offsetMs: number;
}

const WINDOW_MS = 30_000;
const MAX_PAGES = 20;
/** Playhead moves larger than this between two ticks are a seek. */
const JUMP_MS = 2_000;
/** Lines kept in the replayed chat list. */
const LIST_MAX = 100;

async function loadWindow(recId: string, index: number): Promise<ReplayDanmaku[]> {
  const out: ReplayDanmaku[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({
      from: String(index * WINDOW_MS),
      to: String((index + 1) * WINDOW_MS),
      limit: "1000",
    });
    if (cursor) q.set("cursor", cursor);
    const res = await fetch(`/api/vod/${encodeURIComponent(recId)}/danmaku?${q}`);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error?.code ?? `http_${res.status}`);
    out.push(...body.danmaku);
    cursor = body.next;
    if (!cursor) break;
  }
  return out;
}

export class ChatReplay {
  /** What was said up to the playhead (newest last), for the list beside the video. */
  readonly said = signal<ReplayDanmaku[]>([]);
  #windows = new Map<number, Promise<ReplayDanmaku[]>>();
  #shown = new Set<string>();
  #last = 0;

  constructor(
    private readonly recId: string,
    /** Fly one over the video (nothing when danmaku are off). */
    private readonly fly: (d: ReplayDanmaku) => void,
    /** Clear the flying ones (after a seek). */
    private readonly clear: () => void,
    private readonly onError: (code: string) => void,
  ) {
    void this.#ensure(0);
  }

  #ensure(index: number): Promise<ReplayDanmaku[]> | undefined {
    if (index < 0) return undefined;
    let p = this.#windows.get(index);
    if (!p) {
      p = loadWindow(this.recId, index).catch((e) => {
        this.#windows.delete(index); // retried later
        this.onError(String((e as Error).message));
        return [];
      });
      this.#windows.set(index, p);
    }
    return p;
  }

  async #fire(from: number, to: number) {
    const add: ReplayDanmaku[] = [];
    for (let i = Math.floor(from / WINDOW_MS); i <= Math.floor(to / WINDOW_MS); i++) {
      for (const d of (await this.#ensure(i)) ?? []) {
        if (d.offsetMs >= from && d.offsetMs < to && !this.#shown.has(d.id)) {
          this.#shown.add(d.id);
          this.fly(d);
          add.push(d);
        }
      }
    }
    if (add.length) this.said.value = [...this.said.value, ...add].slice(-LIST_MAX);
  }

  /** The playhead moved to `nowMs` (timeupdate, seeked). */
  tick(nowMs: number): void {
    void this.#ensure(Math.floor(nowMs / WINDOW_MS));
    void this.#ensure(Math.floor(nowMs / WINDOW_MS) + 1); // ahead of the playhead
    if (nowMs < this.#last || nowMs - this.#last > JUMP_MS) {
      // A seek: start from here without replaying what was skipped.
      this.clear();
      this.#shown.clear();
      this.said.value = [];
      this.#last = nowMs;
      return;
    }
    const from = this.#last;
    this.#last = nowMs;
    if (nowMs > from) void this.#fire(from, nowMs);
  }
}
