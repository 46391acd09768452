/**
 * What a benchmark sender puts in every chat message: the repetition it belongs to, who sent
 * it, its number and the send time. Senders and receivers live in one load-generator process,
 * so `sentAt` (performance.timeOrigin + performance.now(), ms) and the receive time share one
 * clock. Synapse carries it as danmaku text, the baselines as a JSON object.
 */
export interface BenchMessage {
  run: number;
  sender: number;
  n: number;
  sentAt: number;
}

/** Milliseconds since the epoch with sub-millisecond precision, on the process's clock. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

const TEXT_PREFIX = "bench ";

/** As chat text: plain words and digits, so no sanitiser or flood rule alters it. */
export function toText(m: BenchMessage): string {
  return `${TEXT_PREFIX}${m.run} ${m.sender} ${m.n} ${m.sentAt.toFixed(2)}`;
}

export function fromText(text: string): BenchMessage | undefined {
  if (!text.startsWith(TEXT_PREFIX)) return undefined;
  const parts = text.slice(TEXT_PREFIX.length).split(" ");
  if (parts.length !== 4) return undefined;
  const [run, sender, n, sentAt] = parts.map(Number);
  if (![run, sender, n, sentAt].every(Number.isFinite)) return undefined;
  return { run, sender, n, sentAt };
}

/** As a JSON-ready object with short keys (the baselines' wire form). */
export function toObject(m: BenchMessage): { r: number; s: number; n: number; t: number } {
  return { r: m.run, s: m.sender, n: m.n, t: m.sentAt };
}

export function fromObject(value: unknown): BenchMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (
    typeof o.r !== "number" || typeof o.s !== "number" || typeof o.n !== "number" ||
    typeof o.t !== "number"
  ) return undefined;
  return { run: o.r, sender: o.s, n: o.n, sentAt: o.t };
}
