/**
 * The Douyin document's acceptance checklist (its §12), end to end on a whole server
 * (accounts, rooms, the danmaku archive, the analysis actors, the edge's CORS and bearer
 * checks) with real ffmpeg, MinIO and Postgres. The live URL is a stream ffmpeg makes here,
 * served on loopback: only the test allowance `DirectUrlResolver({ allowPrivateHosts: true })`,
 * handed to the server in-process (`urlResolver`, no variable can set it), lets it be recorded.
 *
 * - segments land per `segment_time` window with the document's names;
 * - SSE `segment_ready` carries each window's exact start and end;
 * - the window's danmaku can be queried;
 * - 3-5 tips are stored per window (and `tips/latest` answers AIScript[] without a room);
 * - a disk threshold pauses recording and it resumes, with notices;
 * - bearer auth and CORS are enforced; no secret reaches the logs.
 */
import assert from "node:assert/strict";
import { DirectUrlResolver } from "../media/recorder/url_source.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { liveHls, openLiveSse } from "./helpers/live_hls.ts";
import { startMinio } from "./helpers/minio.ts";
import { startTestServer, TEST_AUTH_SECRET } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const WINDOW_S = 10;

interface TipsRow {
  recordingId: string;
  window: number;
  startAt: number;
  endAt: number;
  tips: unknown[];
}
const TRUSTED = "https://studio.example";
const PASSWORD = "a fine password 4 checklist";
const LIVE_TOKEN = "LIVESECRET_9f3b2";

/** Free bytes on the filesystem holding `path` (what the recorder's guard measures). */
async function freeBytes(path: string): Promise<number> {
  const out = await new Deno.Command("df", { args: ["-B1", "--output=avail", path] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1));
}

Deno.test({
  name:
    "douyin checklist: windows, SSE bounds, window danmaku, tips, disk pause/resume, auth, CORS, logs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    // Everything the server logs (its logger writes JSON lines to the console).
    const logged: string[] = [];
    const { log, error, warn } = console;
    const capture = (...args: unknown[]) => logged.push(args.map(String).join(" "));
    console.log = capture;
    console.error = capture;
    console.warn = capture;
    cleanups.push(() => {
      Object.assign(console, { log, error, warn });
      return Promise.resolve();
    });
    try {
      const minio = await startMinio();
      cleanups.push(() => minio.stop());
      const db = await createScratchDatabase("douyin_t");
      cleanups.push(() => db.drop());
      const source = await liveHls();
      cleanups.push(() => source.close());
      const scratch = await Deno.makeTempDir({ prefix: "douyin-disk-" });
      cleanups.push(() => Deno.remove(scratch, { recursive: true }));
      // Recording pauses when free disk falls 3 GiB below what it is now.
      const thresholdMb = Math.floor((await freeBytes(scratch) - 3 * 2 ** 30) / 2 ** 20);
      assert.ok(thresholdMb > 0, "this test needs more than 3 GiB of free disk");
      const server = await startTestServer({
        accounts: true,
        urlResolver: new DirectUrlResolver({ allowPrivateHosts: true }),
        env: {
          DATABASE_URL: db.url,
          S3_ENDPOINT: minio.endpoint,
          S3_ACCESS_KEY: minio.accessKey,
          S3_SECRET_KEY: minio.secretKey,
          S3_BUCKET: "douyin",
          RECORDING_SEGMENT_SECONDS: "2",
          RECORDING_MIN_FREE_DISK_MB: String(thresholdMb),
          ASR_ENGINE: "off",
          ANALYSIS_OCR: "false",
          CORS_ORIGINS: TRUSTED,
          LOG_LEVEL: "debug",
        },
      });
      cleanups.push(() => server.close());
      const base = server.url;
      const reg = await fetch(`${base}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "anchorone", password: PASSWORD }),
      }).then((r) => r.json());
      const token: string = reg.accessToken;
      const bearer = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const liveUrl = `${source.url}?auth_key=${LIVE_TOKEN}&expire=1`;
      const startBody = JSON.stringify({ live_url: liveUrl, segment_time: WINDOW_S });

      // --- Bearer auth and CORS, before anything records.
      const noToken = await fetch(`${base}/api/recording/start`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: startBody,
      });
      assert.equal(noToken.status, 401);
      assert.equal((await noToken.json()).error.code, "auth_required");
      const badToken = await fetch(`${base}/api/recording/start`, {
        method: "POST",
        headers: { ...bearer, authorization: "Bearer not-a-token" },
        body: startBody,
      });
      assert.equal(badToken.status, 401);
      await badToken.body?.cancel();
      const evilPreflight = await fetch(`${base}/api/recording/start`, {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      });
      assert.equal(evilPreflight.status, 403);
      assert.equal(evilPreflight.headers.get("access-control-allow-origin"), null);
      await evilPreflight.body?.cancel();
      const evil = await fetch(`${base}/api/recording/start`, {
        method: "POST",
        headers: { ...bearer, origin: "https://evil.example" },
        body: startBody,
      });
      assert.equal(evil.status, 403, "a valid token from an untrusted page is refused");
      assert.equal((await evil.json()).error.code, "origin_forbidden");
      const evilTips = await fetch(`${base}/api/analysis/tips/latest`, {
        headers: { ...bearer, origin: "https://evil.example" },
      });
      assert.equal(evilTips.status, 403);
      await evilTips.body?.cancel();
      const preflight = await fetch(`${base}/api/recording/start`, {
        method: "OPTIONS",
        headers: {
          origin: TRUSTED,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), TRUSTED);
      assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
      const nothing = await fetch(`${base}/api/analysis/tips/latest`, { headers: bearer });
      assert.equal(nothing.status, 404, "no recording yet");
      await nothing.body?.cancel();

      // --- Start from the trusted page.
      const sse = await openLiveSse(`${base}/api/recording/events`, token);
      cleanups.push(() => sse.close());
      await sse.waitFor(() => sse.events.some((e) => e.type === "ready"), "ready");
      const started = await fetch(`${base}/api/recording/start`, {
        method: "POST",
        headers: { ...bearer, origin: TRUSTED },
        body: startBody,
      });
      assert.equal(started.status, 201, await started.clone().text());
      assert.equal(started.headers.get("access-control-allow-origin"), TRUSTED);
      const { recording_id: id, room_id: roomId, output } = await started.json();
      assert.match(output, /^records\/url\/localhost\/\d{4}-\d\d-\d\d\/$/);
      const status = await (await fetch(
        `${base}/api/recording/status?recording_id=${id}`,
        { headers: bearer },
      )).json();
      const recStart: number = status.recording.startedAt;
      assert.equal(status.state, "recording");

      // --- Viewers chat in the room made for the stream while it records.
      const guest = await server.guest("fan");
      const { viewer } = await TestViewer.join(server.wsUrl(roomId), roomId, guest.token);
      cleanups.push(() => viewer.close());
      const said: string[] = [];
      let n = 0;
      const chatter = setInterval(() => {
        const text = ["主播好", "这个多少钱？", "什么时候发货", "有没有大码"][n % 4] + ` #${n++}`;
        said.push(text);
        viewer.send({ type: "say", text });
      }, 1_500);
      cleanups.push(() => Promise.resolve(clearInterval(chatter)));

      // --- Two windows: named MP4s, exact bounds.
      const windows = () => sse.of("segment_ready");
      await sse.waitFor(() => windows().length >= 2, "two windows", 180_000);
      for (const w of windows()) {
        const seq = w.seq as number;
        assert.equal(w.recording_id, id);
        assert.equal(w.start_ts, recStart + seq * WINDOW_S * 1000, `window ${seq} starts exactly`);
        assert.equal(
          w.end_ts,
          recStart + (seq + 1) * WINDOW_S * 1000,
          `window ${seq} ends exactly`,
        );
        const iso = new Date(w.start_ts as number).toISOString();
        const stamp = `${iso.slice(0, 10).replaceAll("-", "")}_${
          iso.slice(11, 19).replaceAll(":", "")
        }`;
        assert.equal(
          w.path,
          `records/url/localhost/${iso.slice(0, 10)}/localhost_${stamp}_${
            String(seq).padStart(3, "0")
          }.mp4`,
        );
        const dl = await fetch(`${base}${w.url}`, { headers: bearer, redirect: "manual" });
        assert.equal(dl.status, 302);
        const mp4 = await fetch(dl.headers.get("location")!);
        assert.equal(mp4.status, 200);
        const head = new Uint8Array(await mp4.arrayBuffer()).slice(4, 8);
        assert.equal(new TextDecoder().decode(head), "ftyp", "an MP4");
      }

      // --- The window's danmaku: what was said during it, and only that.
      const w0 = windows()[0];
      const chat = await waitForValue("window 0's danmaku archived", async () => {
        const page = await (await fetch(
          `${base}/api/recording/danmaku?recording_id=${id}&seq=0`,
          { headers: bearer },
        )).json();
        return page.comments.length > 0 ? page : undefined;
      }, { timeoutMs: 60_000, stepMs: 500 });
      assert.equal(chat.start_ts, w0.start_ts);
      assert.equal(chat.end_ts, w0.end_ts);
      for (const m of chat.comments) {
        assert.ok(m.ts >= chat.start_ts && m.ts < chat.end_ts, `${m.content} inside window 0`);
        assert.ok(said.includes(m.content), `${m.content} was said`);
        assert.equal(m.user, "fan");
      }

      // --- 3-5 tips stored per window, over the same window.
      const rows = await waitForValue("tips of windows 0 and 1", async () => {
        const res = await fetch(`${base}/api/analysis/tips/latest?room=${roomId}&limit=10`, {
          headers: bearer,
        });
        const { tips } = await res.json();
        const mine = (tips as TipsRow[]).filter((t) => t.recordingId === id);
        return [0, 1].every((w) => mine.some((t) => t.window === w)) ? mine : undefined;
      }, { timeoutMs: 180_000, stepMs: 1_000 });
      for (const row of rows) {
        assert.ok(
          row.tips.length >= 3 && row.tips.length <= 5,
          `window ${row.window}: ${row.tips.length} tips`,
        );
        assert.equal(row.startAt, recStart + row.window * WINDOW_S * 1000);
        assert.equal(row.endAt - row.startAt, WINDOW_S * 1000, "analysed over segment_time");
      }
      // The document's manual trigger answers a window already analysed with its tips.
      const again = await (await fetch(`${base}/api/analysis/segment`, {
        method: "POST",
        headers: bearer,
        body: JSON.stringify({ recording_id: id, seq: 0 }),
      })).json();
      assert.equal(again.status, "done");
      assert.equal(again.tips.window, 0);
      const latest = await (await fetch(`${base}/api/analysis/tips/latest?limit=5`, {
        headers: { ...bearer, origin: TRUSTED },
      })).json();
      assert.ok(
        Array.isArray(latest) && latest.length >= 3 && latest.length <= 5,
        JSON.stringify(latest),
      );
      for (const tip of latest) {
        assert.deepEqual(Object.keys(tip).sort(), ["score", "tags", "text", "type"]);
        assert.ok(["welcome", "product", "interaction", "closing"].includes(tip.type));
      }

      // --- Disk threshold: take 5 GiB; the guard pauses with a notice, then resumes.
      const ballast = `${scratch}/ballast`;
      const fill = await new Deno.Command("fallocate", { args: ["-l", "5G", ballast] }).output();
      assert.ok(fill.success, new TextDecoder().decode(fill.stderr));
      await sse.waitFor(() => sse.of("recording_paused").length > 0, "recording_paused", 60_000);
      const paused = sse.of("recording_paused")[0];
      assert.equal(paused.reason, "disk_low");
      assert.match(String(paused.message), /paused/i);
      assert.match(String(paused.message_zh), /暂停/);
      const during = await (await fetch(
        `${base}/api/recording/status?recording_id=${id}`,
        { headers: bearer },
      )).json();
      assert.equal(during.state, "paused");
      assert.equal(during.pause_reason, "disk_low");
      const windowsAtPause = windows().length;
      await Deno.remove(ballast);
      await sse.waitFor(() => sse.of("recording_resumed").length > 0, "recording_resumed", 60_000);
      assert.match(String(sse.of("recording_resumed")[0].message_zh), /恢复/);
      await sse.waitFor(
        () => windows().length >= windowsAtPause + 2,
        "windows after resume",
        180_000,
      );
      clearInterval(chatter);

      // --- Stop by recording_id.
      const stopped = await fetch(`${base}/api/recording/stop`, {
        method: "POST",
        headers: bearer,
        body: JSON.stringify({ recording_id: id }),
      });
      assert.equal(stopped.status, 200, await stopped.clone().text());
      assert.equal((await stopped.json()).state, "stopped");
      await sse.waitFor(() => sse.of("recording_stopped").length > 0, "recording_stopped");
      const seqs = windows().map((w) => w.seq as number);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "windows in order");
      assert.equal(new Set(seqs).size, seqs.length, "each window once");

      // --- No secret in the logs (and the logs were read: the pause is there).
      assert.ok(logged.some((l) => l.includes("recordings paused")), "the guard's log line");
      for (const secret of [token, LIVE_TOKEN, PASSWORD, minio.secretKey, TEST_AUTH_SECRET]) {
        const leak = logged.find((l) => l.includes(secret));
        assert.equal(leak, undefined, `a secret in the logs: ${leak?.slice(0, 200)}`);
      }
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
