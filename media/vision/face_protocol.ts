/** Messages between `FaceModels` (media/vision/faces.ts) and its worker (face_worker.ts). */
import type { DetectedFace } from "../../actors/ai/faces.ts";
import type { ModelRequest, ModelResponse } from "../model_worker.ts";

export type { DetectedFace };

/** One decoded frame: interleaved RGB (or RGBA) bytes, row by row. */
export interface RawImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A request: frames in, one `FrameFaces` each out (media/model_worker.ts's protocol). */
export type FaceRequest = ModelRequest<RawImage>;
export type FaceResponse = ModelResponse<FrameFaces>;

export interface FrameFaces {
  faces: DetectedFace[];
}
