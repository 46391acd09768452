/** The bridge actors' type names, for callers that reach them without loading their code. */
export const BRIDGE_ACTOR_TYPE = "bridges";
export const LINKS_ACTOR_TYPE = "bridge_links";
