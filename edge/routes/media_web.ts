/**
 * The web client's media parts: the browser builds of `livekit-client` (WebRTC) and `hls.js`
 * (recordings) served from `node_modules` under `/vendor/` - pinned in
 * deno.json, never from a CDN. Files are read once, on first request.
 */
import { Hono } from "hono";

const NODE_MODULES = new URL("../../node_modules/", import.meta.url);
const JS = "text/javascript; charset=utf-8";

/** Served path -> file. */
const FILES: Record<string, URL> = {
  "/vendor/livekit-client.js": new URL("livekit-client/dist/livekit-client.umd.js", NODE_MODULES),
  // Meetings with end-to-end encryption: livekit-client's frame encryption worker.
  "/vendor/livekit-client.e2ee.worker.js": new URL(
    "livekit-client/dist/livekit-client.e2ee.worker.js",
    NODE_MODULES,
  ),
  "/vendor/hls.js": new URL("hls.js/dist/hls.min.js", NODE_MODULES),
  // The streamer's effects (edge/web/client/src/effects): models and runtimes of npm packages.
  ...effectAssets(),
};

/** `/vendor/effects/...`: selfie segmentation, the face mesh (and its TF.js), RNNoise. */
function effectAssets(): Record<string, URL> {
  const files: Record<string, URL> = {
    "/vendor/effects/rnnoise-sync.js": new URL(
      "@jitsi/rnnoise-wasm/dist/rnnoise-sync.js",
      NODE_MODULES,
    ),
    "/vendor/effects/human/human.esm.js": new URL(
      "@vladmandic/human/dist/human.esm.js",
      NODE_MODULES,
    ),
  };
  for (const model of ["blazeface", "facemesh"]) {
    for (const ext of ["json", "bin"]) {
      files[`/vendor/effects/human/models/${model}.${ext}`] = new URL(
        `@vladmandic/human/models/${model}.${ext}`,
        NODE_MODULES,
      );
    }
  }
  for (
    const f of [
      "selfie_segmentation.js",
      "selfie_segmentation.binarypb",
      "selfie_segmentation.tflite",
      "selfie_segmentation_landscape.tflite",
      "selfie_segmentation_solution_simd_wasm_bin.js",
      "selfie_segmentation_solution_simd_wasm_bin.wasm",
      "selfie_segmentation_solution_simd_wasm_bin.data",
      "selfie_segmentation_solution_wasm_bin.js",
      "selfie_segmentation_solution_wasm_bin.wasm",
    ]
  ) {
    files[`/vendor/effects/selfie/${f}`] = new URL(
      `@mediapipe/selfie_segmentation/${f}`,
      NODE_MODULES,
    );
  }
  return files;
}

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: JS,
  wasm: "application/wasm",
  json: "application/json",
};

export function mediaWebRoutes(): Hono {
  const app = new Hono();
  const cache = new Map<string, Uint8Array>();
  for (const [path, file] of Object.entries(FILES)) {
    app.get(path, async (c) => {
      let body = cache.get(path);
      if (!body) {
        try {
          body = await Deno.readFile(file);
        } catch {
          return c.json({
            error: {
              code: "asset_missing",
              message: `${path} is not installed here: run \`deno install\` (node_modules)`,
            },
          }, 503);
        }
        cache.set(path, body);
      }
      return new Response(body as Uint8Array<ArrayBuffer>, {
        headers: {
          "content-type": TYPES[path.slice(path.lastIndexOf(".") + 1)] ??
            "application/octet-stream",
          "cache-control": path.startsWith("/vendor/") ? "public, max-age=86400" : "no-cache",
        },
      });
    });
  }
  return app;
}
