/**
 * How Synapse processes are started in a deployment (README "Roles", deploy/Dockerfile,
 * compose.yaml, deploy/k8s/) and by `deno task start|demo|test|bench` (deno.json); test
 * clusters start theirs the same way, so tests and benches measure the processes the README's
 * commands start.
 *
 * Every process: V8 sweeps ArrayBuffers on the JS thread. With its default concurrent
 * sweeping, V8 releases the backing stores of external ArrayBuffers on a GC worker thread, and
 * Deno 2.9.6 calls the native addon's Node-API finalizer right there (seen under gdb: 5,768 of
 * 6,200 finalizers of @livekit/rtc-node's frame buffers ran off the JS thread; with this flag
 * all 6,000 ran on it). Node-API promises finalizers on the JS thread and the addons we load
 * (rtc-node, onnxruntime-node, argon2) are written for that. Without the flag a stress of three
 * recorded LiveKit rooms (rtc_frames_stress.ts) died of heap corruption after 1 to 17 rounds in
 * each of three tries, as a CI run did ("corrupted double-linked list", SIGABRT); with it, 47
 * rounds ran clean.
 *
 * Edges also cap V8's young generation at 2 MB per semi-space (started without it, the
 * semi-spaces grow to 16 MB each during start-up and stay committed while the edge idles) and
 * run without V8's code cache (its database's pages mapped into the process). Both for issue
 * 18's idle RSS.
 */
export const SERVER_V8_FLAGS = "--no-concurrent-array-buffer-sweeping";

/** An edge's `DENO_V8_FLAGS` (comma-separated): every process's, plus its memory caps. */
export const EDGE_V8_FLAGS = `${SERVER_V8_FLAGS},--max-semi-space-size=2`;

/** `deno run` options of an edge, before the entry point. */
export const EDGE_DENO_ARGS: readonly string[] = ["--no-code-cache"];
