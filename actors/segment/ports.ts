/**
 * What the segment and analysis actors need from media, declared here by their user and
 * implemented in media/ (object storage, ffprobe and ffmpeg, Silero VAD, the recognisers);
 * the composition root (edge/wiring/) hands the real ones over, tests hand the same.
 */
import type { DetectedFace } from "../ai/faces.ts";

/** The recording bucket, as far as the actors read and write it. */
export interface RecordingObjects {
  presignGet(key: string, expiresInSeconds?: number): Promise<string>;
  get(key: string): Promise<Uint8Array | undefined>;
  putFile(key: string, path: string, contentType?: string): Promise<unknown>;
}

/** What a probe found in a segment's container. */
export interface ProbedSegment {
  durationSec: number;
  video?: { codec: string; width: number; height: number };
  audio?: { codec: string };
}

/**
 * Probes a segment by URL. Bytes that are not readable media give `{ unreadable: reason }`
 * (the segment is indexed as invalid); an infrastructure failure rejects (the actor restarts
 * and the message is retried).
 */
export type SegmentProbe = (url: string) => Promise<ProbedSegment | { unreadable: string }>;

/** The media of one analysis window, from its recorded MPEG-TS segments. */
export interface WindowMedia {
  /** Joins the segments (bytes, in order) into one local file at `path`. */
  join(path: string, segments: Uint8Array[]): Promise<void>;
  /** The file's audio as 16 kHz mono float samples. */
  audio(path: string): Promise<Float32Array>;
  /** Key frames as JPEG files under `outDir`, in time order (none without video). */
  keyFrames(path: string, outDir: string): Promise<string[]>;
  /** The key frames' times in `outDir`, seconds from the file's start (unset: unknown). */
  frameOffsets?(outDir: string): Promise<number[]>;
}

/** One utterance found by voice activity detection, in samples of the audio given. */
export interface Utterance {
  startSample: number;
  endSample: number;
  /** The utterance's own samples when the detector copied them. */
  audio?: Float32Array;
}

/** Speech to text for one utterance (16 kHz mono float). */
export interface SpeechRecogniser {
  /** `language`: the stream's (BCP-47); speech in it goes to a recogniser that knows it. */
  transcribe(pcm: Float32Array, opts?: { language?: string }): Promise<{ text: string }>;
}

/** The speech models one process shares between analysis windows. */
export interface AnalysisModels {
  /** How much of the audio is speech. */
  speech(pcm: Float32Array): Promise<{ speechRatio: number; speechMs: number }>;
  /** The audio's utterances, in order. */
  utterances(pcm: Float32Array): Promise<Utterance[]>;
  /** The recogniser configured, or null when speech recognition is off. */
  recogniser(): Promise<SpeechRecogniser | null>;
  /** Distinct lines of on-screen text in the key frames (JPEG files), in order; unset: no OCR. */
  screenText?(framePaths: string[]): Promise<string[]>;
  /** The text lines read in each key frame, frame by frame (unset: no OCR). */
  screenLines?(framePaths: string[]): Promise<FrameText[][]>;
  /** The faces in each key frame (unset: faces off, `ANALYSIS_FACES=false`). */
  faces?(framePaths: string[]): Promise<{ faces: DetectedFace[] }[]>;
}

/** One line of on-screen text in a key frame. */
export interface FrameText {
  text: string;
  /** 0..1 */
  confidence: number;
}
