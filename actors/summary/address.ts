import type { SummaryRow } from "../segment/analysis_store.ts";

/** The summary actor's type name, for callers that reach it without loading its implementation. */
export const SUMMARY_ACTOR_TYPE = "summaries";

/** The summary's persisted steps (its answers name them), here so the edge's schemas need not load the actor. */
export const SUMMARY_STEPS = ["material", "stored"] as const;
export type SummaryStep = (typeof SUMMARY_STEPS)[number];

export interface SummaryStatus {
  recordingId: string;
  run: number;
  step: SummaryStep | null;
  done: boolean;
  summary: SummaryRow | null;
}
