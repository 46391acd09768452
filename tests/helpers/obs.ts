/**
 * OBS, played by the tools a test has: ffmpeg pushing RTMP (a test pattern with the frame
 * clock of frame_clock.ts burned in, and a 440 Hz tone), and a WHIP client in Chromium
 * (ffmpeg 5.1 cannot push WHIP): a canvas drawing the same clock and an oscillator, sent over
 * RTCPeerConnection with the offer/answer exchanged by fetch, as OBS's WHIP output does.
 */
import type { Page } from "playwright-core";
import { clockFilter, DRAW_CLOCK_JS } from "./frame_clock.ts";

export interface RtmpPush {
  /** Resolves with ffmpeg's exit once it stops (cut by the server, or `stop`). */
  exited: Promise<Deno.CommandStatus>;
  output(): string;
  stop(): Promise<void>;
}

/** ffmpeg pushing a live test pattern to `url` (the ingress URL and the stream key). */
export function pushRtmp(
  url: string,
  opts: { width?: number; height?: number; fps?: number } = {},
): RtmpPush {
  const w = opts.width ?? 640, h = opts.height ?? 360, fps = opts.fps ?? 30;
  const child = new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "warning",
      "-re",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${w}x${h}:rate=${fps}`,
      "-re",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
      "-vf",
      clockFilter(w, h),
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-tune",
      "zerolatency",
      "-g",
      String(fps * 2),
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-b:a",
      "96k",
      "-f",
      "flv",
      url,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) text = (text + decoder.decode(chunk)).slice(-4000);
  })();
  const exited = child.status.then(async (s) => (await drained.catch(() => {}), s));
  return {
    exited,
    output: () => text,
    async stop() {
      try {
        // "q" on stdin: ffmpeg ends the stream as OBS's Stop Streaming does (FLV trailer).
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode("q"));
        await writer.close();
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Start a WHIP push from `page` (any page of the server: CORS is allowed by the ingress):
 * a 640×360 canvas with the frame clock and a tone. Resolves once the answer is applied;
 * `stopWhip(page)` ends it (DELETE on the resource, as a WHIP client does).
 */
export async function startWhip(page: Page, url: string, streamKey: string): Promise<void> {
  await page.evaluate(`(async () => {
    ${DRAW_CLOCK_JS}
    const canvas = document.createElement("canvas");
    canvas.width = 640; canvas.height = 360;
    const ctx = canvas.getContext("2d");
    let n = 0;
    const paint = () => {
      ctx.fillStyle = "hsl(" + (n++ % 360) + ", 60%, 40%)";
      ctx.fillRect(0, 0, 640, 360);
      ctx.fillStyle = "#fff"; ctx.fillRect((n * 4) % 640, 40, 40, 200);
      drawClock(ctx, 640, 360, Date.now());
    };
    paint();
    const timer = setInterval(paint, 1000 / 30);
    const video = canvas.captureStream(30).getVideoTracks()[0];
    const audioCtx = new AudioContext();
    const osc = audioCtx.createOscillator();
    const dest = audioCtx.createMediaStreamDestination();
    osc.connect(dest); osc.start();
    const audio = dest.stream.getAudioTracks()[0];
    const pc = new RTCPeerConnection();
    pc.addTransceiver(video, { direction: "sendonly" });
    pc.addTransceiver(audio, { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => {
      if (pc.iceGatheringState === "complete") return r();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && r());
      setTimeout(r, 2000);
    });
    const res = await fetch(${JSON.stringify(url)}, {
      method: "POST",
      headers: { "content-type": "application/sdp", authorization: "Bearer " + ${
    JSON.stringify(streamKey)
  } },
      body: pc.localDescription.sdp,
    });
    if (res.status !== 201) throw new Error("WHIP " + res.status + ": " + await res.text());
    const location = new URL(res.headers.get("location"), ${JSON.stringify(url)}).href;
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    window.__whip = { pc, timer, location, osc };
  })()`);
}

export async function stopWhip(page: Page): Promise<void> {
  await page.evaluate(`(async () => {
    const w = window.__whip;
    if (!w) return;
    clearInterval(w.timer); w.osc.stop();
    await fetch(w.location, { method: "DELETE" }).catch(() => {});
    w.pc.close();
    window.__whip = undefined;
  })()`);
}
