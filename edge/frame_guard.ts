/**
 * First line of defence for one socket: rejects binary frames, oversized frames and
 * frame floods before anything is parsed. A violation names the close code to use.
 */
import { CloseCode } from "./protocol.ts";
import type { EdgeLimits } from "./limits.ts";

export type FrameVerdict =
  | { ok: true; text: string }
  | { ok: false; closeCode: CloseCode; reason: string };

const encoder = new TextEncoder();

export class FrameGuard {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limits: Pick<EdgeLimits, "maxFrameBytes" | "framesPerSecond" | "frameBurst">,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = limits.frameBurst;
    this.refilledAt = this.now();
  }

  check(data: unknown): FrameVerdict {
    if (!this.take()) {
      return { ok: false, closeCode: CloseCode.frameFlood, reason: "too many frames" };
    }
    if (typeof data !== "string") {
      return { ok: false, closeCode: CloseCode.binaryFrame, reason: "binary frames not accepted" };
    }
    if (utf8LengthExceeds(data, this.limits.maxFrameBytes)) {
      return { ok: false, closeCode: CloseCode.frameTooLarge, reason: "frame too large" };
    }
    return { ok: true, text: data };
  }

  private take(): boolean {
    const now = this.now();
    const refill = ((now - this.refilledAt) / 1000) * this.limits.framesPerSecond;
    this.tokens = Math.min(this.limits.frameBurst, this.tokens + refill);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** UTF-8 length > max, without encoding short strings (a UTF-16 unit is at most 3 bytes). */
function utf8LengthExceeds(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return encoder.encode(text).byteLength > max;
}
