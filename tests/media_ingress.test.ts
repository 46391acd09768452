/**
 * OBS into LiveKit's real ingress, on embedded defaults (the server runs livekit-server, Redis
 * and the ingress itself). RTMP: the streamer takes the Go live page's RTMP URL and key, ffmpeg
 * (as OBS) pushes a test pattern with a clock burned into its frames and a tone; the room goes
 * live through LiveKit's webhooks, a Chromium viewer reads the clock advancing over WebRTC, the
 * recorder writes segments, stopping the push takes the room offline, the VOD plays. Rotating
 * the key cuts the stream pushing with the old key and the old key is refused; the new one
 * works. WHIP: a WHIP client in Chromium pushes, the room goes live, a viewer sees its clock.
 * Skipped, saying why, without Chromium or where the ingress cannot run (no GStreamer).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { probe } from "../media/ffmpeg.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { startEmbeddedMedia, streamerWithRoom } from "./helpers/embedded_media.ts";
import { viewerClock } from "./helpers/frame_clock.ts";
import { pushRtmp, startWhip, stopWhip } from "./helpers/obs.ts";
import { waitForValue } from "./helpers/wait.ts";
import { findGoTool, toolsDir } from "../media/local/tools.ts";

const hasIngress = findGoTool("ingress", toolsDir(Deno.env.get("SYNAPSE_TOOLS_DIR"))) !== undefined;
if (!hasIngress) {
  console.warn("media_ingress: skipped — the ingress is not built (tests/setup.ts builds it)");
}
const enabled = hasIngress && await hasChromium("media_ingress");

interface Ingress {
  ingressId: string;
  url: string;
  streamKey: string;
  kind: string;
}

async function api<T>(base: string, token: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: body ? "POST" : "GET",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

async function roomLive(base: string, room: string): Promise<boolean> {
  const body = await fetch(`${base}/api/rooms`).then((r) => r.json());
  return body.rooms.find((r: { roomId: string }) => r.roomId === room)?.live === true;
}

const waitLive = (base: string, room: string, live: boolean, what: string) =>
  waitForValue(what, async () => (await roomLive(base, room)) === live || undefined, {
    timeoutMs: 60_000,
    stepMs: 200,
  });

/** The viewer's burned-in clock moves forward (frames arrive and advance). */
async function clockAdvances(viewer: Page, what: string): Promise<void> {
  const first = await waitForValue(
    `${what}: a clock in the frame`,
    () => viewerClock(viewer).then((v) => v ?? undefined),
    { timeoutMs: 60_000, stepMs: 200 },
  );
  await waitForValue(`${what}: the clock advances`, async () => {
    const v = await viewerClock(viewer);
    return v !== null && v > first + 50 ? v : undefined; // half a second later
  }, { timeoutMs: 30_000, stepMs: 200 });
}

Deno.test({
  name: "media ingress: OBS over RTMP and WHIP through LiveKit's ingress → live → viewer → VOD",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server } = await startEmbeddedMedia(cleanups, { needIngress: true });
      const base = server.url;
      const room = "obs-room";
      const { accessToken } = await streamerWithRoom(base, "obs_streamer", room);
      const { ingress: rtmp } = await api<{ ingress: Ingress }>(
        base,
        accessToken,
        "/api/media/ingress",
        { roomId: room, kind: "rtmp" },
      );
      assert.match(rtmp.url, /^rtmp:\/\/localhost:\d+\/live$/);
      assert.ok(rtmp.streamKey.length >= 8);

      const browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
      cleanups.push(() => browser.close());
      const viewer = await (await browser.newContext()).newPage();
      await viewer.goto(`${base}/r/${room}`);

      // OBS pushes: live through LiveKit's webhooks, frames at the viewer, a recording.
      const rtmpUrl = `${rtmp.url.replace("localhost", "127.0.0.1")}/${rtmp.streamKey}`;
      let push = pushRtmp(rtmpUrl);
      cleanups.push(() => push.stop());
      await waitLive(base, room, true, "live from RTMP");
      await clockAdvances(viewer, "RTMP viewer");
      assert.equal(await viewer.locator("#video").getAttribute("data-transport"), "webrtc");
      const recordingId = await waitForValue("segments recorded", async () => {
        const body = await fetch(`${base}/api/vod/rooms/${room}/recordings`).then((r) => r.json());
        const rec = body.recordings?.[0];
        if (!rec) return undefined;
        const t = await fetch(`${base}/api/vod/recordings/${rec.id}`).then((r) => r.json());
        return t.segments?.length >= 2 ? rec.id as string : undefined;
      }, { timeoutMs: 60_000, stepMs: 500 });

      // OBS stops: offline; the recording stops and plays.
      await push.stop();
      await waitLive(base, room, false, "offline after OBS stops");
      const stopped = await waitForValue("recording stopped", async () => {
        const t = await fetch(`${base}/api/vod/recordings/${recordingId}`).then((r) => r.json());
        return t.recording?.state === "stopped" ? t : undefined;
      }, { timeoutMs: 60_000, stepMs: 500 });
      assert.ok(stopped.segments.length >= 2);
      const played = await probe(`${base}/api/vod/recordings/${recordingId}/playlist.m3u8`);
      assert.equal(played.video?.codec, "h264");
      assert.ok(played.durationSec > 2, `VOD plays ${played.durationSec} s`);

      // Key rotation cuts the stream pushing with the old key; the old key is refused.
      push = pushRtmp(rtmpUrl);
      await waitLive(base, room, true, "live again");
      const { ingress: rotated } = await api<{ ingress: Ingress }>(
        base,
        accessToken,
        "/api/media/ingress/rotate",
        { roomId: room, ingressId: rtmp.ingressId },
      );
      assert.notEqual(rotated.streamKey, rtmp.streamKey);
      const cut = await push.exited;
      assert.notEqual(cut.code, 0, "the old key's stream was cut");
      await waitLive(base, room, false, "offline once the old key's stream is cut");
      const refused = pushRtmp(rtmpUrl);
      assert.notEqual((await refused.exited).code, 0, "the old key is refused");
      push = pushRtmp(`${rotated.url.replace("localhost", "127.0.0.1")}/${rotated.streamKey}`);
      await waitLive(base, room, true, "live with the new key");
      await clockAdvances(viewer, "viewer after rotation");
      await push.stop();
      await waitLive(base, room, false, "offline after the new key's stream stops");

      // WHIP from a browser client (OBS's WHIP output).
      const { ingress: whip } = await api<{ ingress: Ingress }>(
        base,
        accessToken,
        "/api/media/ingress",
        { roomId: room, kind: "whip" },
      );
      assert.match(whip.url, /^http:\/\/localhost:\d+\/w$/);
      const sender = await (await browser.newContext()).newPage();
      await sender.goto(`${base}/`);
      await startWhip(sender, whip.url.replace("localhost", "127.0.0.1"), whip.streamKey);
      cleanups.push(() => stopWhip(sender));
      await waitLive(base, room, true, "live from WHIP");
      await clockAdvances(viewer, "WHIP viewer");
      await stopWhip(sender);
      await waitLive(base, room, false, "offline after the WHIP client stops");
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
