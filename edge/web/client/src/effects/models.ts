/**
 * The two models the video effects run, loaded on first use from the edge's `/vendor/`
 * (files of the npm packages in node_modules; nothing from a CDN):
 *   - person segmentation: MediaPipe's selfie-segmentation (`@mediapipe/selfie_segmentation`:
 *     its WebAssembly solution, graph `.binarypb` and `.tflite` model), a mask per frame;
 *   - the face mesh: `@vladmandic/human` (BlazeFace + FaceMesh, its bundled TensorFlow.js on
 *     WebGL), 468 points per face.
 */

export const VENDOR = "/vendor/effects";

/** The person's mask of an image: alpha 255 on the person, 0 on the background. */
export interface Segmenter {
  segment(image: HTMLCanvasElement): Promise<CanvasImageSource>;
  close(): void;
}

/** A face: its box and mesh points, in the pixels of the image given. */
export interface Face {
  box: [number, number, number, number];
  mesh: [number, number][];
}

export interface FaceTracker {
  detect(image: HTMLCanvasElement): Promise<Face | undefined>;
}

interface MediapipeResults {
  segmentationMask: CanvasImageSource;
}
interface MediapipeSegmentation {
  setOptions(o: { modelSelection: number; selfieMode?: boolean }): void;
  onResults(fn: (r: MediapipeResults) => void): void;
  initialize(): Promise<void>;
  send(input: { image: HTMLCanvasElement }): Promise<void>;
  close(): Promise<void>;
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`${src} did not load`));
    document.head.append(s);
  });
}

let segmenter: Promise<Segmenter> | undefined;

/** The one segmenter of the page (its WebAssembly and model load once). */
export function loadSegmenter(): Promise<Segmenter> {
  return segmenter ??= (async (): Promise<Segmenter> => {
    const g = globalThis as unknown as {
      SelfieSegmentation?: new (o: { locateFile: (f: string) => string }) => MediapipeSegmentation;
    };
    if (!g.SelfieSegmentation) await loadScript(`${VENDOR}/selfie/selfie_segmentation.js`);
    const seg = new g.SelfieSegmentation!({ locateFile: (f) => `${VENDOR}/selfie/${f}` });
    // 1: the landscape model (144x256), made for video calls.
    seg.setOptions({ modelSelection: 1 });
    let last: CanvasImageSource | undefined;
    seg.onResults((r) => (last = r.segmentationMask));
    await seg.initialize();
    return {
      async segment(image) {
        await seg.send({ image });
        return last!;
      },
      close: () => void seg.close(),
    };
  })().catch((err) => {
    segmenter = undefined;
    throw err;
  });
}

interface HumanResult {
  face: { box: [number, number, number, number]; mesh: [number, number, number][] }[];
}
interface HumanInstance {
  load(): Promise<void>;
  detect(input: HTMLCanvasElement): Promise<HumanResult>;
}

let tracker: Promise<FaceTracker> | undefined;

/** The one face tracker of the page. */
export function loadFaceTracker(): Promise<FaceTracker> {
  return tracker ??= (async (): Promise<FaceTracker> => {
    // A URL only known at run time: esbuild leaves this import to the browser.
    const url = `${VENDOR}/human/human.esm.js`;
    const mod = await import(/* @vite-ignore */ url) as {
      Human: new (config: unknown) => HumanInstance;
    };
    const human = new mod.Human({
      backend: "webgl",
      modelBasePath: `${VENDOR}/human/models/`,
      debug: false,
      warmup: "none",
      cacheSensitivity: 0,
      filter: { enabled: false },
      face: {
        enabled: true,
        detector: { rotation: false, maxDetected: 1 },
        mesh: { enabled: true },
        iris: { enabled: false },
        description: { enabled: false },
        emotion: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
      },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
    });
    await human.load();
    return {
      async detect(image) {
        const r = await human.detect(image);
        const f = r.face[0];
        if (!f) return undefined;
        return { box: f.box, mesh: f.mesh.map((p) => [p[0], p[1]] as [number, number]) };
      },
    };
  })().catch((err) => {
    tracker = undefined;
    throw err;
  });
}
