/**
 * The Bilibili live danmaku wire format (as read in blivedm and bilibili-live-ws): every
 * packet is a 16-byte big-endian header — packet length (u32, header included), header length
 * (u16, 16), protocol version (u16), operation (u32), sequence (u32) — then a body. One
 * WebSocket frame may hold several packets; a command packet (op 5) with protover 2 (zlib) or
 * 3 (brotli) holds, once decompressed, several more packets.
 *
 * Decoding never throws: a truncated packet, a header whose lengths lie, a body that does not
 * decompress or parse is counted and skipped, and decoding resumes at the next plausible
 * header, so the packets after a bad one are not lost.
 */
import { brotliDecompressSync, inflateSync } from "node:zlib";

export const HEADER_BYTES = 16;

export const Op = {
  heartbeat: 2,
  heartbeatReply: 3,
  command: 5,
  auth: 7,
  authReply: 8,
} as const;

export const ProtoVer = { json: 0, raw: 1, zlib: 2, brotli: 3 } as const;

/** One decoded packet the client cares about. */
export type BiliPacket =
  | { op: typeof Op.heartbeatReply; popularity: number }
  | { op: typeof Op.command; command: unknown }
  | { op: typeof Op.authReply; reply: unknown };

/** Counters a decoder keeps across frames (a connection's health shows them). */
export interface DecodeStats {
  packets: number;
  /** Packets skipped: truncated, lying lengths, bad compression or JSON, unknown op. */
  skipped: number;
  /** Bytes passed over while looking for the next plausible header. */
  skippedBytes: number;
}

export function newDecodeStats(): DecodeStats {
  return { packets: 0, skipped: 0, skippedBytes: 0 };
}

/** A decompressed batch larger than this is refused (a zip bomb is one bad packet). */
const MAX_INFLATED_BYTES = 8 * 1024 * 1024;
/** Compressed packets inside compressed packets: the server nests one level. */
const MAX_DEPTH = 2;
const KNOWN_OPS = new Set<number>(Object.values(Op));

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Builds one packet; a non-binary body is sent as JSON. */
export function encodePacket(
  op: number,
  body: Uint8Array | unknown = new Uint8Array(0),
  protover: number = ProtoVer.raw,
  sequence = 1,
): Uint8Array {
  const bytes = body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body));
  const out = new Uint8Array(HEADER_BYTES + bytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length);
  view.setUint16(4, HEADER_BYTES);
  view.setUint16(6, protover);
  view.setUint32(8, op);
  view.setUint32(12, sequence);
  out.set(bytes, HEADER_BYTES);
  return out;
}

interface Header {
  packetLength: number;
  headerLength: number;
  protover: number;
  op: number;
}

function readHeader(view: DataView, at: number): Header {
  return {
    packetLength: view.getUint32(at),
    headerLength: view.getUint16(at + 4),
    protover: view.getUint16(at + 6),
    op: view.getUint32(at + 8),
  };
}

/** A header whose lengths fit in the bytes left and whose fields are ones the server sends. */
function plausible(h: Header, at: number, end: number): boolean {
  return h.headerLength >= HEADER_BYTES && h.packetLength >= h.headerLength &&
    at + h.packetLength <= end && h.protover <= ProtoVer.brotli && KNOWN_OPS.has(h.op);
}

/** The offset of the next plausible header after `from`, or `end`. */
function resync(view: DataView, from: number, end: number): number {
  for (let at = from; at + HEADER_BYTES <= end; at++) {
    const h = readHeader(view, at);
    if (h.headerLength === HEADER_BYTES && plausible(h, at, end)) return at;
  }
  return end;
}

/** Decodes every packet of one frame (or decompressed batch) into `out`. */
export function decodeFrame(
  frame: Uint8Array,
  out: BiliPacket[],
  stats: DecodeStats,
  depth = 0,
): void {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const end = frame.byteLength;
  let at = 0;
  while (at < end) {
    if (at + HEADER_BYTES > end) {
      stats.skipped++;
      stats.skippedBytes += end - at;
      return;
    }
    const h = readHeader(view, at);
    // The heartbeat reply's length covers the 4-byte popularity only; the server may echo
    // the client's heartbeat body after it, which belongs to no packet.
    if (h.op === Op.heartbeatReply && h.headerLength === HEADER_BYTES && at + 20 <= end) {
      out.push({ op: Op.heartbeatReply, popularity: view.getUint32(at + HEADER_BYTES) });
      stats.packets++;
      const next = resync(view, at + 20, end);
      stats.skippedBytes += next - (at + 20);
      at = next;
      continue;
    }
    if (!plausible(h, at, end)) {
      stats.skipped++;
      const next = resync(view, at + 1, end);
      stats.skippedBytes += next - at;
      at = next;
      continue;
    }
    const body = frame.subarray(at + h.headerLength, at + h.packetLength);
    at += h.packetLength;
    decodePacket(h, body, out, stats, depth);
  }
}

function decodePacket(
  h: Header,
  body: Uint8Array,
  out: BiliPacket[],
  stats: DecodeStats,
  depth: number,
): void {
  if (h.op === Op.heartbeat || h.op === Op.auth) return; // client-to-server ops echoed
  if (h.op === Op.heartbeatReply) {
    if (body.length < 4) return void stats.skipped++;
    const popularity = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
    out.push({ op: Op.heartbeatReply, popularity });
    stats.packets++;
    return;
  }
  if (h.op === Op.command && (h.protover === ProtoVer.zlib || h.protover === ProtoVer.brotli)) {
    if (depth >= MAX_DEPTH) return void stats.skipped++;
    let inflated: Uint8Array;
    try {
      const opts = { maxOutputLength: MAX_INFLATED_BYTES };
      inflated = h.protover === ProtoVer.zlib
        ? inflateSync(body, opts)
        : brotliDecompressSync(body, opts);
    } catch {
      return void stats.skipped++;
    }
    decodeFrame(inflated, out, stats, depth + 1);
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(body));
  } catch {
    return void stats.skipped++;
  }
  stats.packets++;
  out.push(
    h.op === Op.command ? { op: Op.command, command: json } : { op: Op.authReply, reply: json },
  );
}
