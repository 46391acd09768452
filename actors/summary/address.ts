/** The summary actor's type name, for callers that reach it without loading its implementation. */
export const SUMMARY_ACTOR_TYPE = "summaries";
