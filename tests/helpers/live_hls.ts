/**
 * A live HLS stream made by ffmpeg in real time (test pattern and tone) and served over HTTP on
 * loopback until `close()`; the query string of a request is ignored, so a test can give the
 * URL tokens a real platform's stream would carry.
 */
import { h264AacArgs, synthAvInputArgs } from "../../media/ffmpeg.ts";

export interface LiveHls {
  /** The playlist's URL (`http://localhost:PORT/live.m3u8`). */
  url: string;
  /** Stop the stream (the server answers 404 from now on). */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export async function liveHls(opts: { seconds?: number; host?: string } = {}): Promise<LiveHls> {
  const dir = await Deno.makeTempDir({ prefix: "synapse-live-hls-" });
  const child = new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      ...synthAvInputArgs(opts.seconds ?? 600, { realtime: true }),
      ...h264AacArgs(1),
      "-f",
      "hls",
      "-hls_time",
      "1",
      "-hls_list_size",
      "6",
      "-hls_flags",
      "delete_segments+temp_file",
      `${dir}/live.m3u8`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let alive = true;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const name = new URL(req.url).pathname.slice(1);
    if (!alive || !/^[\w.-]+$/.test(name)) return new Response("gone", { status: 404 });
    try {
      return new Response(await Deno.readFile(`${dir}/${name}`));
    } catch {
      return new Response("missing", { status: 404 });
    }
  });
  const url = `http://${opts.host ?? "localhost"}:${server.addr.port}/live.m3u8`;
  // Wait for the first segments (generous: the machine may be loaded).
  for (let i = 0; i < 600; i++) {
    const res = await fetch(url.replace("localhost", "127.0.0.1")).catch(() => undefined);
    const text = res ? await res.text() : "";
    if (res?.ok && (text.match(/#EXTINF/g)?.length ?? 0) >= 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const kill = async () => {
    alive = false;
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
  };
  return {
    url,
    kill,
    async close() {
      await kill();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Unnamed SSE events (`data:` lines holding `{type, data}`), read over fetch. */
export async function openLiveSse(url: string, token: string) {
  const ctrl = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: ctrl.signal,
  });
  if (!res.ok || !res.body) throw new Error(`SSE ${res.status}: ${await res.text()}`);
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    let buf = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data && !/^event: /m.test(block)) events.push(JSON.parse(data));
        }
      }
    } catch { /* aborted */ }
  })();
  return {
    events,
    of(type: string) {
      return events.filter((e) => e.type === type).map((e) => e.data);
    },
    async waitFor(pred: () => boolean, what: string, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > deadline) {
          throw new Error(`SSE: ${what} not seen; got ${events.map((e) => e.type).join(",")}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await reader.cancel().catch(() => {});
      ctrl.abort();
      await pump;
    },
  };
}
