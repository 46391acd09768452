/**
 * What rooms publish, measured without decoding it: for each `{type}.out.{id}` batch,
 * events (`{"t":"` markers) and danmaku (`{"t":"danmaku"` markers) are counted in the
 * encoded bytes. `meterRoomBatches` is the publish meter the composition root hands to a
 * cluster engine (engine/metered_transport.ts).
 */
import { metrics } from "../../engine/metrics.ts";

/** Room metrics (names used by the dashboard). */
export const ROOM_METRICS = {
  danmakuIn: metrics.counter(
    "synapse_danmaku_in_total",
    "Danmaku accepted by rooms (counted in the batches engines publish)",
  ),
  batchSize: metrics.histogram(
    "synapse_batch_events",
    "Events per room batch (one NATS message per room per tick)",
    [1, 2, 5, 10, 20, 50, 100, 200, 500],
  ),
  tickLag: metrics.histogram(
    "synapse_tick_lag_ms",
    "How late a room tick ran versus its schedule",
    [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
  ),
};

const encoder = new TextEncoder();
const EVENT = encoder.encode('{"t":"');
const DANMAKU = encoder.encode('danmaku"');

/** Events and danmaku in an encoded batch (one pass over the bytes). */
export function countBatchEvents(data: Uint8Array): { events: number; danmaku: number } {
  let events = 0;
  let danmaku = 0;
  outer: for (let i = 0; i + EVENT.length <= data.length; i++) {
    for (let j = 0; j < EVENT.length; j++) if (data[i + j] !== EVENT[j]) continue outer;
    events++;
    const at = i + EVENT.length;
    let isDanmaku = at + DANMAKU.length <= data.length;
    for (let j = 0; isDanmaku && j < DANMAKU.length; j++) {
      if (data[at + j] !== DANMAKU[j]) isDanmaku = false;
    }
    if (isDanmaku) danmaku++;
    i = at - 1;
  }
  return { events, danmaku };
}

/** Counts the events and danmaku of every room batch published (other subjects: nothing). */
export function meterRoomBatches(subject: string, data: Uint8Array): void {
  const dot = subject.indexOf(".");
  if (dot <= 0 || !subject.startsWith(".out.", dot)) return;
  const { events, danmaku } = countBatchEvents(data);
  ROOM_METRICS.batchSize.observe(events);
  if (danmaku > 0) ROOM_METRICS.danmakuIn.inc(undefined, danmaku);
}
