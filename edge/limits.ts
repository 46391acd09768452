/** Per-socket limits of the viewer gateway. Defaults suit production; tests shrink them. */
export interface EdgeLimits {
  /** Largest accepted client frame, UTF-8 bytes (close 4413 above). */
  maxFrameBytes: number;
  /** Time allowed between upgrade and `hello` (close 4408 after). */
  helloTimeoutMs: number;
  /** Sustained client frames per second (token bucket refill) ... */
  framesPerSecond: number;
  /** ... and the bucket size; an empty bucket closes with 4429. */
  frameBurst: number;
  /** Requests to the room in flight per socket; more get `busy`. */
  maxInFlight: number;
  /** Past this many buffered bytes a viewer's danmaku is dropped (counted, then reported). */
  softBufferedBytes: number;
  /** Past this many buffered bytes the socket is closed with 4008. */
  hardBufferedBytes: number;
  /** Batches held for a viewer while its join is in flight. */
  joinBufferBatches: number;
  /** Presence: report changes after this quiet time ... */
  presenceDebounceMs: number;
  /** ... and every room's count at this interval. */
  presenceIntervalMs: number;
  /** Display budget: danmaku per second a viewer is shown past a room's rate; 0: all. */
  displayBudgetPerSecond: number;
}

export const DEFAULT_EDGE_LIMITS: EdgeLimits = {
  maxFrameBytes: 4096,
  helloTimeoutMs: 5_000,
  framesPerSecond: 20,
  frameBurst: 40,
  maxInFlight: 8,
  softBufferedBytes: 256 * 1024,
  hardBufferedBytes: 2 * 1024 * 1024,
  joinBufferBatches: 512,
  presenceDebounceMs: 250,
  presenceIntervalMs: 5_000,
  displayBudgetPerSecond: 40,
};
