/**
 * The recordings' AI analysis over HTTP:
 * - `GET /api/analysis/tips/latest?room=&limit=5`: the room's latest coaching tips
 *   (streamer, room admins, platform admins);
 * - `GET /api/analysis/tips/stream?room=`: the same as Server-Sent Events (`tips`), for the
 *   streamer's console;
 * - `POST /api/analysis/segment` `{recordingId, window, force?}`: (re-)run one window's
 *   analysis; a window already analysed answers its tips unless `force`;
 * - `POST /api/analysis/summary/:recordingId`: regenerate the stream's summary and chapters;
 * - `GET /api/analysis/recordings/:id`: summary, chapters and captions of a VOD (public like
 *   the VOD), `GET /api/analysis/recordings/:id/captions.vtt`: its WebVTT track.
 */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { ANALYSIS_ACTOR_TYPE, analysisActorId } from "../../actors/segment/analysis_messages.ts";
import type { AnalysisStore } from "../../actors/segment/analysis_store.ts";
import { analyseCommand } from "../../actors/segment/analysis_trigger.ts";
import { SUMMARY_ACTOR_TYPE } from "../../actors/summary/address.ts";
import type { Logger } from "../../engine/log.ts";
import { ID_PATTERN } from "../../engine/subject.ts";
import type { RecordingIndex } from "../../actors/recording/recording_index.ts";
import type { ActorAsk } from "../../media/media_service.ts";
import { captionsKey } from "../../actors/recording/storage_keys.ts";
import type { ObjectStore } from "../../media/object_store.ts";
import { guarded } from "../http_errors.ts";
import type { MediaAuth } from "./media.ts";

export interface AnalysisRouteDeps {
  log: Logger;
  auth: MediaAuth;
  store: AnalysisStore;
  index: RecordingIndex;
  objects: ObjectStore;
  actors: ActorAsk;
  windowMs: number;
  /** How often the tips stream looks for new tips (default 2 s). */
  streamPollMs?: number;
}

const Id = z.string().regex(ID_PATTERN, "must be 1-64 characters of A-Z a-z 0-9 _ -");
export const LatestQuery = z.object({
  room: Id,
  limit: z.coerce.number().int().min(1).max(50).default(5),
});
export const SegmentInput = z.object({
  recordingId: Id,
  window: z.number().int().nonnegative().max(100_000),
  force: z.boolean().default(false),
}).strict();

class HttpError extends Error {
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string) {
    super(message);
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new HttpError(400, "invalid_request", `${i.path.join(".") || "body"}: ${i.message}`);
}

export function analysisRoutes(deps: AnalysisRouteDeps): Hono {
  const app = new Hono();
  const guard = guarded(deps.log);
  /** The caller may see the room's coaching (its streamer, admins). */
  const requireStreamer = async (c: Context, roomId: string) => {
    const who = await deps.auth.identify(c);
    if (!(await deps.auth.canStream(who, roomId))) {
      throw new HttpError(403, "forbidden", "only the room's streamer or admins");
    }
  };
  const recording = async (id: string | undefined) => {
    const rec = await deps.index.recording(parse(Id, id));
    if (!rec) throw new HttpError(404, "recording_not_found", `no recording ${id}`);
    return rec;
  };

  app.get(
    "/api/analysis/tips/latest",
    guard(async (c) => {
      const q = parse(LatestQuery, c.req.query());
      await requireStreamer(c, q.room);
      return c.json({ tips: await deps.store.latestTips(q.room, q.limit) });
    }),
  );

  app.get(
    "/api/analysis/tips/stream",
    guard(async (c) => {
      const q = parse(LatestQuery, c.req.query());
      await requireStreamer(c, q.room);
      return streamSSE(c, async (sse) => {
        let after = Date.now();
        while (!sse.aborted && !sse.closed) {
          const rows = await deps.store.latestTips(q.room, 10, after);
          for (const row of rows.reverse()) {
            after = Math.max(after, row.createdAt);
            await sse.writeSSE({ event: "tips", data: JSON.stringify(row) });
          }
          await sse.sleep(deps.streamPollMs ?? 2_000);
        }
      });
    }),
  );

  app.post(
    "/api/analysis/segment",
    guard(async (c) => {
      let raw: unknown;
      try {
        raw = await c.req.json();
      } catch {
        throw new HttpError(400, "invalid_request", "body must be JSON");
      }
      const input = parse(SegmentInput, raw);
      const rec = await recording(input.recordingId);
      await requireStreamer(c, rec.roomId);
      const existing = await deps.store.tips(rec.id, input.window);
      if (existing && !input.force) return c.json({ status: "done", tips: existing });
      const status = await deps.actors.ask(
        ANALYSIS_ACTOR_TYPE,
        analysisActorId(rec.id, input.window),
        analyseCommand(rec, input.window, deps.windowMs, input.force),
      );
      return c.json({ status: "accepted", analysis: status }, 202);
    }),
  );

  app.post(
    "/api/analysis/summary/:recordingId",
    guard(async (c) => {
      const rec = await recording(c.req.param("recordingId"));
      await requireStreamer(c, rec.roomId);
      const status = await deps.actors.ask(SUMMARY_ACTOR_TYPE, rec.id, {
        kind: "summarise",
        force: true,
      });
      return c.json({ status: "accepted", summary: status }, 202);
    }),
  );

  app.get(
    "/api/analysis/recordings/:id",
    guard(async (c) => {
      const rec = await recording(c.req.param("id"));
      const summary = await deps.store.summary(rec.id);
      const captions = await deps.store.captions(rec.id);
      return c.json({
        recordingId: rec.id,
        summary: summary?.summary ?? null,
        chapters: summary?.chapters ?? [],
        source: summary?.source ?? null,
        captions: captions.map(({ startMs, endMs, text, source }) => ({
          startMs,
          endMs,
          text,
          source,
        })),
        captionsVtt: captions.length > 0 ? `/api/analysis/recordings/${rec.id}/captions.vtt` : null,
      });
    }),
  );

  app.get(
    "/api/analysis/recordings/:id/captions.vtt",
    guard(async (c) => {
      const rec = await recording(c.req.param("id"));
      const vtt = await deps.objects.getText(captionsKey(rec.roomId, rec.id));
      if (vtt === undefined) throw new HttpError(404, "captions_not_found", "no captions yet");
      return c.body(vtt, 200, { "content-type": "text/vtt; charset=utf-8" });
    }),
  );

  return app;
}
