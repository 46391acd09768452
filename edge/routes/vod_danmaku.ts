/**
 * `GET /api/vod/:recordingId/danmaku?from=ms&to=ms&limit=n&cursor=c` - the chat of a
 * recording for replay over the video (Bilibili-style): the archived danmaku of the
 * recording's room (`actors/room/danmaku_archive.ts`, retracted ones left out) whose VOD
 * offset falls in `[from, to)`, oldest first, each with `offsetMs`. Offsets follow the VOD
 * timeline (`media/vod.ts`: segments back to back, gaps skipped). At most `limit` (default
 * 500, max 1000) per page; `next` is the cursor of the following page, or null.
 *
 * Errors: `invalid_request` (400: bad id, from/to/limit/cursor), `recording_not_found` (404),
 * `recording_has_no_room` (409), `media_disabled` / `danmaku_archive_disabled` (503).
 */
import { Hono } from "hono";
import type { DanmakuArchiveReader } from "../../actors/room/danmaku_archive.ts";
import type { Logger } from "../../engine/log.ts";
import { MediaError } from "../../media/errors.ts";
import type { VodService } from "../../media/vod.ts";
import { offsetInRange, wallAtOffset } from "../../media/vod_danmaku.ts";
import { guarded } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { mediaApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

/** The widest range one request may ask for (6 h of VOD). */
const MAX_RANGE_MS = 6 * 3600_000;

export interface VodDanmakuDeps {
  log: Logger;
  vod?: VodService;
  archive?: DanmakuArchiveReader;
}

function fail(code: string, message: string, status = 400): never {
  throw new MediaError(code, message, status);
}

export function vodDanmakuRoutes(deps: VodDanmakuDeps): Hono {
  const app = new Hono();
  const guard = guarded(deps.log);
  mount(
    app,
    declared(mediaApi, "get", "/api/vod/{recordingId}/danmaku"),
    guard(async (c, input) => {
      const id = input.param().recordingId;
      const q = input.query();
      const to = q.to ?? q.from + MAX_RANGE_MS;
      if (!(to > q.from)) fail("invalid_request", "to: must be greater than from");
      if (to - q.from > MAX_RANGE_MS) {
        fail("invalid_request", `to - from: at most ${MAX_RANGE_MS} ms per request`);
      }
      const vod = deps.vod ?? fail("media_disabled", "media is not configured on this server", 503);
      const archive = deps.archive ??
        fail("danmaku_archive_disabled", "the danmaku archive is not configured", 503);
      const timeline = await vod.timeline(id); // recording_not_found (404)
      const roomId = timeline.recording.roomId;
      if (!roomId) fail("recording_has_no_room", "this recording belongs to no room", 409);
      const end = Math.min(to, timeline.durationMs);
      if (timeline.segments.length === 0 || q.from >= end) {
        return c.json({ recordingId: id, roomId, from: q.from, to, danmaku: [], next: null });
      }
      let after: { at: number; id: string } | undefined;
      if (q.cursor) {
        const colon = q.cursor.indexOf(":");
        after = { at: Number(q.cursor.slice(0, colon)), id: q.cursor.slice(colon + 1) };
      }
      const fromAt = wallAtOffset(timeline, q.from);
      const toAt = end >= timeline.durationMs
        ? wallAtOffset(timeline, timeline.durationMs)
        : wallAtOffset(timeline, end);
      const page = await archive.range(roomId, fromAt, toAt, { limit: q.limit, after });
      const last = page.danmaku.at(-1);
      return c.json({
        recordingId: id,
        roomId,
        from: q.from,
        to,
        danmaku: page.danmaku.map((d) => ({
          id: d.id,
          userId: d.userId,
          name: d.name,
          text: d.text,
          at: d.at,
          offsetMs: offsetInRange(timeline, d.at, q.from, Math.max(end, q.from + 1)),
        })),
        next: page.more && last ? `${last.at}:${last.id}` : null,
      });
    }),
  );
  return app;
}
