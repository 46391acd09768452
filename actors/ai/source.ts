/**
 * Every AI output says where it came from: `local` heuristics or a configured model
 * (`llm`, which also covers a remote ASR endpoint). Nothing local ever claims `llm`.
 */
export type Source = "local" | "llm";

/** A value together with the source that produced it. */
export interface Sourced<T> {
  value: T;
  source: Source;
  /** Why the local path was taken when a model is configured (breaker open, error...). */
  fallbackReason?: string;
}
