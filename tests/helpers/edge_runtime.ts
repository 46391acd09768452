/**
 * How an edge process is started in a deployment (README "Roles", compose.yaml's edges,
 * deploy/k8s/edge.yaml): with V8's young generation capped at 2 MB per semi-space. Started
 * without it, the semi-spaces grow to 16 MB each during start-up and stay committed while the
 * edge idles (issue 18: idle RSS). Test clusters start their edges the same way, so
 * tests/bench/idle_memory.ts measures the process the README's command starts.
 */
export const EDGE_V8_FLAGS = "--max-semi-space-size=2";
