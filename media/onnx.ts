/**
 * onnxruntime-node for the project's models (VAD, OCR), loaded once and only when a model is
 * first loaded: it is a native library of tens of MB, so a process that never runs a model
 * (an edge, an engine without media) does not carry it.
 */
import type { InferenceSession } from "onnxruntime-node";

export type Ort = typeof import("onnxruntime-node");

let ortModule: Promise<Ort> | undefined;

export const loadOrt = (): Promise<Ort> =>
  ortModule ??= import("onnxruntime-node").then((m) =>
    // A CommonJS package: its exports are the default export at run time.
    (m as unknown as { default?: Ort }).default ?? m
  );

/** Session options for one model run at a time on `threads` intra-op threads (default 1). */
export function sequentialSession(threads = 1): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
}
