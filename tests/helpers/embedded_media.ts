/**
 * A server on embedded defaults with media on (`MEDIA=auto`, nothing else configured): it runs
 * its own redis-server, livekit-server and LiveKit ingress as supervised children and records
 * to its DATA_DIR. Waits until the pieces this machine can run are up.
 *
 *   const { server, pieces } = await startEmbeddedMedia(cleanups);
 */
import { startTestServer, type TestServer } from "./server.ts";
import { waitForValue } from "./wait.ts";
import type { PieceStatus } from "../../media/local/local_media.ts";

export async function mediaPieces(base: string): Promise<PieceStatus[]> {
  const status = await fetch(`${base}/api/media/status`).then((r) => r.json());
  return status.pieces ?? [];
}

export async function startEmbeddedMedia(
  cleanups: (() => Promise<unknown>)[],
  opts: { env?: Record<string, string>; needIngress?: boolean } = {},
): Promise<{ server: TestServer; pieces: PieceStatus[] }> {
  const server = await startTestServer({
    accounts: true,
    env: { MEDIA: "auto", MEDIA_RTMP_PORT: "0", RECORDING_SEGMENT_SECONDS: "2", ...opts.env },
  });
  cleanups.push(() => server.close());
  const want = opts.needIngress ? ["redis", "livekit-server", "ingress"] : ["livekit-server"];
  const pieces = await waitForValue("embedded media servers up", async () => {
    const now = await mediaPieces(server.url);
    const bad = now.find((p) => want.includes(p.piece) && ["missing", "failed"].includes(p.state));
    if (bad) throw new Error(`${bad.piece} cannot run here: ${bad.detail}`);
    return want.every((w) => now.find((p) => p.piece === w)?.state === "up") ? now : undefined;
  }, { timeoutMs: 120_000, stepMs: 200 });
  return { server, pieces };
}

/** A registered streamer owning a room: its session for the web client and its token. */
export async function streamerWithRoom(
  base: string,
  username: string,
  roomId: string,
): Promise<{ accessToken: string; session: Record<string, unknown> }> {
  const reg = await fetch(`${base}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "correct horse battery" }),
  }).then((r) => r.json());
  const made = await fetch(`${base}/api/rooms`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${reg.accessToken}` },
    body: JSON.stringify({ id: roomId, title: `${username}'s room` }),
  });
  if (made.status !== 201) throw new Error(`room not created: ${await made.text()}`);
  return {
    accessToken: reg.accessToken,
    session: {
      accessToken: reg.accessToken,
      refreshToken: reg.refreshToken,
      accessExpiresAt: Date.now() + 600_000,
      user: reg.user,
    },
  };
}
