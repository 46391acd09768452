/**
 * The recordings' AI analysis over HTTP:
 * - `GET /api/analysis/tips/latest?room=&limit=5`: the room's latest coaching tips
 *   (streamer, room admins, platform admins); without `room` (the Douyin document's call) the
 *   latest `limit` lines (`AIScript[]`) of `recording_id`, else of the caller's one windowed
 *   recording that runs (none running: the newest);
 * - `GET /api/analysis/tips/stream?room=`: the same as Server-Sent Events (`tips`), for the
 *   streamer's console;
 * - `POST /api/analysis/segment` `{recordingId, window, force?}` (or the Douyin document's
 *   `{recording_id, seq, force?}`): (re-)run one window's analysis; a window already analysed
 *   answers its tips unless `force`;
 * - `POST /api/analysis/summary/:recordingId`: regenerate the stream's summary and chapters;
 * - `GET /api/analysis/recordings/:id`: summary, chapters and captions of a VOD (public like
 *   the VOD), `GET /api/analysis/recordings/:id/captions.vtt`: its WebVTT track;
 * - `GET /api/analysis/recordings/:id/search?q=`: where a text was on screen (OCR of the key
 *   frames) or said (captions), as VOD offsets to seek to (`vod_search.ts`);
 * - `GET /api/analysis/liveness?room=`: the liveness check's flags of the room's publishing
 *   participants ("possibly not a live camera", with reasons and evidence; room managers);
 * - `GET /api/analysis/recordings/:id/faces`: faces and expressions of its key frames as a
 *   timeline, per window and in short (`vod_faces.ts`; public like the VOD).
 */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ANALYSIS_ACTOR_TYPE, analysisActorId } from "../../actors/segment/analysis_messages.ts";
import type { AnalysisStore } from "../../actors/segment/analysis_store.ts";
import { analyseCommand, recordingWindowMs } from "../../actors/segment/analysis_trigger.ts";
import type { RecordingPlans } from "../../actors/recording/recording_plans.ts";
import type { LivenessStore } from "../../actors/segment/liveness_store.ts";
import { SUMMARY_ACTOR_TYPE } from "../../actors/summary/address.ts";
import type { Logger } from "../../engine/log.ts";
import type { RecordingIndex } from "../../actors/recording/recording_index.ts";
import type { ActorAsk } from "../../media/media_service.ts";
import { captionsKey } from "../../actors/recording/storage_keys.ts";
import type { ObjectStore } from "../../media/object_store.ts";
import { guarded } from "../http_errors.ts";
import type { MediaAuth } from "./media.ts";
import { declared } from "../openapi/area.ts";
import { analysisApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";
import { searchRecording } from "./vod_search.ts";
import { recordingFaces } from "./vod_faces.ts";

export interface AnalysisRouteDeps {
  log: Logger;
  auth: MediaAuth;
  store: AnalysisStore;
  /** Liveness flags of live participants (unset: the route answers none). */
  liveness?: LivenessStore;
  index: RecordingIndex;
  objects: ObjectStore;
  actors: ActorAsk;
  windowMs: number;
  /** How often the tips stream looks for new tips (default 2 s). */
  streamPollMs?: number;
  /** Windowed recordings (the Douyin document's API): `tips/latest` without a room. */
  plans?: RecordingPlans;
}

class HttpError extends Error {
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string) {
    super(message);
  }
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
  /** The recording of an id its route's declaration checked. */
  const recording = async (id: string) => {
    const rec = await deps.index.recording(id);
    if (!rec) throw new HttpError(404, "recording_not_found", `no recording ${id}`);
    return rec;
  };

  mount(
    app,
    declared(analysisApi, "get", "/api/analysis/tips/latest"),
    guard(async (c, input) => {
      const q = input.query();
      if (q.room) {
        await requireStreamer(c, q.room);
        return c.json({ tips: await deps.store.latestTips(q.room, q.limit) });
      }
      // The Douyin document's call: AIScript[] of the caller's (one) windowed recording.
      const who = await deps.auth.identify(c);
      const plans = deps.plans;
      let recordingId = q.recording_id;
      if (recordingId) {
        const plan = await plans?.get(recordingId);
        const rec = await recording(recordingId);
        if (!(plan && who.kind === "user" && plan.ownerId === who.userId)) {
          await requireStreamer(c, rec.roomId);
        }
      } else {
        const mine = who.kind === "user" && plans ? await plans.ofOwner(who.userId) : [];
        const running = mine.filter((p) => p.state === "recording" || p.state === "paused");
        if (running.length > 1) {
          throw new HttpError(
            409,
            "recording_ambiguous",
            `${running.length} recordings run: give recording_id (${
              running.map((p) => p.recordingId).join(", ")
            }) or room`,
          );
        }
        recordingId = (running[0] ?? mine[0])?.recordingId ??
          (() => {
            throw new HttpError(404, "recording_not_found", "no recording of yours: give room");
          })();
      }
      const rows = await deps.store.latestTipsOfRecording(recordingId, q.limit);
      return c.json(
        rows.flatMap((r) => r.tips).slice(0, q.limit).map(({ text, type, tags, score }) => ({
          text,
          type,
          tags,
          score,
        })),
      );
    }),
  );

  mount(
    app,
    declared(analysisApi, "get", "/api/analysis/liveness"),
    guard(async (c, input) => {
      const q = input.query();
      await requireStreamer(c, q.room);
      const rows = (await deps.liveness?.ofRoom(q.room, q.limit)) ?? [];
      return c.json({
        flags: rows.map((r) => ({
          ...r,
          label: "possibly not a live camera" as const,
          open: r.clearedAt === null,
        })),
      });
    }),
  );

  mount(
    app,
    declared(analysisApi, "get", "/api/analysis/tips/stream"),
    guard(async (c, input) => {
      const q = input.query();
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

  mount(
    app,
    declared(analysisApi, "post", "/api/analysis/segment"),
    guard(async (c, input) => {
      const body = await input.json();
      const { recordingId, window } = "recording_id" in body
        ? { recordingId: body.recording_id, window: body.seq }
        : body;
      const force = body.force;
      const rec = await recording(recordingId);
      await requireStreamer(c, rec.roomId);
      const existing = await deps.store.tips(rec.id, window);
      if (existing && !force) return c.json({ status: "done", tips: existing });
      const windowMs = await recordingWindowMs(deps.index, rec.id, deps.windowMs);
      const status = await deps.actors.ask(
        ANALYSIS_ACTOR_TYPE,
        analysisActorId(rec.id, window),
        analyseCommand(rec, window, windowMs, force),
      );
      return c.json({ status: "accepted", analysis: status }, 202);
    }),
  );

  mount(
    app,
    declared(analysisApi, "post", "/api/analysis/summary/{recordingId}"),
    guard(async (c, input) => {
      const rec = await recording(input.param().recordingId);
      await requireStreamer(c, rec.roomId);
      const status = await deps.actors.ask(SUMMARY_ACTOR_TYPE, rec.id, {
        kind: "summarise",
        force: true,
      });
      return c.json({ status: "accepted", summary: status }, 202);
    }),
  );

  mount(
    app,
    declared(analysisApi, "get", "/api/analysis/recordings/{id}"),
    guard(async (c, input) => {
      const rec = await recording(input.param().id);
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

  mount(
    app,
    declared(analysisApi, "get", "/api/analysis/recordings/{id}/search"),
    guard(async (c, input) => {
      const rec = await recording(input.param().id);
      return c.json(await searchRecording(deps.store, deps.index, rec, input.query()));
    }),
  );

  mount(
    app,
    declared(analysisApi, "get", "/api/analysis/recordings/{id}/faces"),
    guard(async (c, input) => {
      const rec = await recording(input.param().id);
      return c.json(await recordingFaces(deps.store, deps.index, rec));
    }),
  );

  mount(
    app,
    declared(analysisApi, "get", "/api/analysis/recordings/{id}/captions.vtt"),
    guard(async (c, input) => {
      const rec = await recording(input.param().id);
      const vtt = await deps.objects.getText(captionsKey(rec.roomId, rec.id));
      if (vtt === undefined) throw new HttpError(404, "captions_not_found", "no captions yet");
      return c.body(vtt, 200, { "content-type": "text/vtt; charset=utf-8" });
    }),
  );

  return app;
}
