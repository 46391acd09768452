/**
 * Versioned key-value storage for actor state. Every write names the version it read
 * (`null` = the key must not exist yet), so an out-of-date activation can never overwrite
 * newer state (fencing). Implemented on Deno KV (`state_store_denokv.ts`, one process)
 * and on a JetStream KV bucket (`state_store_jetstream.ts`, a cluster).
 */

/** Key parts; each part matches `[A-Za-z0-9_-]+` (ids) or is a fixed word. */
export type StateKey = readonly string[];

/** An opaque version: Deno KV versionstamp or JetStream revision, as a string. */
export type Version = string;

export interface Versioned<T> {
  value: T;
  version: Version;
}

/** Largest JSON value a store must accept (implementations chunk where they must). */
export const MAX_STATE_BYTES = 512 * 1024;

export interface StateStore {
  readonly kind: "denokv" | "jetstream";
  get<T>(key: StateKey): Promise<Versioned<T> | null>;
  /**
   * Write `value` if the stored version still equals `expected` (`null`: key absent).
   * Returns the new version, or `null` when the check failed (someone wrote in between).
   */
  set<T>(key: StateKey, value: T, expected: Version | null): Promise<Version | null>;
  /** Delete if the version still equals `expected`; false when the check failed. */
  delete(key: StateKey, expected: Version): Promise<boolean>;
  /** Every entry whose key starts with `prefix`. */
  list<T>(prefix: StateKey): AsyncIterable<{ key: StateKey } & Versioned<T>>;
  close(): Promise<void>;
}

/** Thrown when a write is refused because a newer version exists. */
export class StaleStateError extends Error {
  readonly code = "stale_state";
  constructor(readonly key: StateKey) {
    super(`state ${key.join("/")} changed since it was read; this activation is stale`);
    this.name = "StaleStateError";
  }
}
