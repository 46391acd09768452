/** The edge's metrics, in the process registry (engine/metrics.ts; names used by the dashboard). */
import { metrics } from "../engine/metrics.ts";

export const EDGE_METRICS = {
  viewers: metrics.gauge("synapse_viewers", "Viewers connected to this edge, by room count bucket"),
  danmakuOut: metrics.counter(
    "synapse_danmaku_out_total",
    "Danmaku delivered to viewers (one per viewer per message)",
  ),
  droppedFrames: metrics.counter(
    "synapse_dropped_frames_total",
    "Danmaku dropped for slow viewers, or droppable messages refused by full mailboxes",
  ),
};
