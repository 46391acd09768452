/**
 * The face models' worker (a Deno Worker started by `FaceModels`, media/vision/faces.ts):
 * `@vladmandic/human` 3.3.6 on TensorFlow.js' WebAssembly backend, with the face detector
 * (BlazeFace), the 7-class expression model and the `antispoof` and `liveness` models from
 * the package's own `models/` folder: nothing is downloaded. It runs off the serving event
 * loop and off every actor's mailbox; it answers one request at a time, in order.
 *
 * Loading notes (NOTES.md): the bundle is imported by file URL (its npm entry is the Node
 * build, which wants tfjs-node); `globalThis.process` is hidden while it is imported and
 * loads, or it takes Deno for Node; the WebAssembly binaries are fetched from
 * `@tensorflow/tfjs-backend-wasm/dist/` with the platform's fetch, single-threaded.
 */
import type { FrameFaces, RawImage } from "./face_protocol.ts";
import { serveModel } from "../model_worker.ts";

const NODE_MODULES = new URL("../../node_modules/", import.meta.url);
const HUMAN = new URL("@vladmandic/human/dist/human.esm.js", NODE_MODULES);
const MODELS = new URL("@vladmandic/human/models/", NODE_MODULES);
const WASM = new URL("@tensorflow/tfjs-backend-wasm/dist/", NODE_MODULES);

// deno-lint-ignore no-explicit-any
type Any = any;

const EXPRESSIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];

let human: Promise<Any> | undefined;

async function withoutProcess<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Any;
  const saved = Object.getOwnPropertyDescriptor(g, "process");
  try {
    delete g.process;
    if ("process" in g) g.process = undefined;
  } catch { /* not configurable: Human then sees it */ }
  try {
    return await fn();
  } finally {
    if (saved) Object.defineProperty(g, "process", saved);
  }
}

function load(): Promise<Any> {
  return human ??= withoutProcess(async () => {
    const mod = await import(HUMAN.href);
    const Human = mod.Human ?? mod.default;
    const h = new Human({
      backend: "wasm",
      wasmPath: WASM.href,
      wasmPlatformFetch: true,
      modelBasePath: MODELS.href,
      debug: false,
      async: true,
      warmup: "none",
      cacheSensitivity: 0,
      filter: { enabled: false },
      face: {
        enabled: true,
        detector: { rotation: false, maxDetected: 8, minConfidence: 0.5, return: false },
        mesh: { enabled: false },
        attention: { enabled: false },
        iris: { enabled: false },
        description: { enabled: false },
        emotion: { enabled: true, minConfidence: 0.05, skipFrames: 0, skipTime: 0 },
        antispoof: { enabled: true, skipFrames: 0, skipTime: 0 },
        liveness: { enabled: true, skipFrames: 0, skipTime: 0 },
      },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
    });
    h.tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    await h.load();
    await h.tf.ready();
    return h;
  });
}

async function detect(img: RawImage): Promise<FrameFaces> {
  const h = await load();
  const channels = img.data.length / (img.width * img.height);
  if (channels !== 3 && channels !== 4) throw new Error("frames are RGB or RGBA bytes");
  const tf = h.tf;
  const tensor = tf.tidy(() => {
    let t = tf.tensor3d(img.data, [img.height, img.width, channels], "int32");
    if (channels === 4) t = tf.slice(t, [0, 0, 0], [-1, -1, 3]);
    return tf.expandDims(tf.cast(t, "float32"), 0);
  });
  try {
    const result = await h.detect(tensor);
    return {
      faces: (result.face ?? []).map((f: Any) => {
        const emotion = (f.emotion ?? []) as { score: number; emotion: string }[];
        const scores: Record<string, number> = {};
        for (const e of EXPRESSIONS) scores[e] = 0;
        for (const e of emotion) scores[e.emotion] = round(e.score);
        const top = emotion.slice().sort((a, b) => b.score - a.score)[0];
        const [x, y, w, hh] = f.boxRaw as number[];
        return {
          score: round(f.boxScore ?? f.score ?? 0),
          box: [round(x), round(y), round(w), round(hh)] as [number, number, number, number],
          expression: top?.emotion ?? null,
          expressionScore: top ? round(top.score) : 0,
          expressions: scores,
          ...(typeof f.real === "number" ? { real: round(f.real) } : {}),
          ...(typeof f.live === "number" ? { live: round(f.live) } : {}),
        };
      }),
    };
  } finally {
    tf.dispose(tensor);
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;

serveModel(detect);
