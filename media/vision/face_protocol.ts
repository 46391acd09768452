/** Messages between `FaceModels` (media/vision/faces.ts) and its worker (face_worker.ts). */
import type { DetectedFace } from "../../actors/ai/faces.ts";

export type { DetectedFace };

/** One decoded frame: interleaved RGB (or RGBA) bytes, row by row. */
export interface RawImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type FaceRequest =
  | { id: number; op: "load" }
  | { id: number; op: "detect"; frames: RawImage[] };

export type FaceResponse =
  | { id: number; ok: true; frames: FrameFaces[] }
  | { id: number; ok: false; error: string };

export interface FrameFaces {
  faces: DetectedFace[];
}
