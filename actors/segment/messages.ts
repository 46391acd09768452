/**
 * The SegmentActor's contract (type `segments`, id `${recordingId}_${seq}`): one actor per
 * recorded segment, woken by `segment_ready`. In this issue it validates the segment with
 * ffprobe and indexes it; the AI issue adds its work (ASR, frames, tips) here.
 */
import { z } from "zod";
import { ID_PATTERN } from "../../engine/subject.ts";
import type { SegmentRow } from "../recording/recording_index.ts";

export const SEGMENT_ACTOR_TYPE = "segments";

export const segmentActorId = (recordingId: string, seq: number) => `${recordingId}_${seq}`;

const Id = z.string().regex(ID_PATTERN);

export const SegmentReadyCommand = z.object({
  kind: z.literal("segment_ready"),
  recordingId: Id,
  roomId: Id,
  seq: z.number().int().nonnegative(),
  key: z.string().min(1).max(512),
  startAt: z.number().int().positive(),
  endAt: z.number().int().positive(),
  /** Duration announced by the producer (recorder/egress), checked against ffprobe. */
  durationSec: z.number().nonnegative().optional(),
  bytes: z.number().int().nonnegative().optional(),
  streamerId: z.string().min(1).max(64).optional(),
  source: z.enum(["livekit", "url", "egress"]).default("livekit"),
});
export type SegmentReadyCommand = z.infer<typeof SegmentReadyCommand>;

export const SegmentCommand = z.discriminatedUnion("kind", [
  SegmentReadyCommand,
  z.object({ kind: z.literal("info") }),
]);
export type SegmentCommand = z.infer<typeof SegmentCommand>;

/** What the actor knows about its segment once indexed: its index row, less the streamer. */
export type SegmentInfo = Omit<SegmentRow, "streamerId">;
