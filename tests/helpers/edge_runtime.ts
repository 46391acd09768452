/**
 * How an edge process is started in a deployment (README "Roles", compose.yaml's edges,
 * deploy/k8s/edge.yaml): with V8's young generation capped at 2 MB per semi-space (started
 * without it, the semi-spaces grow to 16 MB each during start-up and stay committed while the
 * edge idles) and without V8's code cache (its database's pages mapped into the process). Both
 * for issue 18's idle RSS. Test clusters start their edges the same way, so
 * tests/bench/idle_memory.ts measures the process the README's command starts.
 */
export const EDGE_V8_FLAGS = "--max-semi-space-size=2";

/** `deno run` options of an edge, before the entry point. */
export const EDGE_DENO_ARGS: readonly string[] = ["--no-code-cache"];
