/**
 * A local server speaking Bilibili's live protocol, for the bridge tests: the room-info and
 * getDanmuInfo HTTP endpoints, the `/x/web-interface/nav` login check, and the danmaku
 * WebSocket `/sub` (auth op 7 → op 8, heartbeat op 2 → op 3 with a popularity). Tests push
 * frames (raw, zlib or brotli batches, broken ones), drop connections, or make the server go
 * silent (it stops answering heartbeats and sends nothing).
 */
import { brotliCompressSync, deflateSync } from "node:zlib";
import { encodePacket, Op, ProtoVer } from "../../actors/bridges/bilibili/packet.ts";
import { mixinKey, signParams } from "../../actors/bridges/bilibili/wbi.ts";

export interface BiliTestServer {
  /** Base URL for both the live API and the main API. */
  baseUrl: string;
  port: number;
  shortId: number;
  realId: number;
  token: string;
  /** Auth bodies received, in order. */
  auths: Record<string, unknown>[];
  /** Cookies received on HTTP requests. */
  cookies: string[];
  heartbeats: number;
  /** Open `/sub` sockets that have authenticated. */
  sockets: WebSocket[];
  connectionsTotal: number;
  /** Stop answering heartbeats (a silent server). */
  silent: boolean;
  /** Answer auth with this code (0: accepted). */
  authCode: number;
  /** getDanmuInfo requests whose WBI signature checked out (refused with -352 otherwise). */
  signedRequests: number;
  /** Sends a frame to every authenticated socket. */
  send(frame: Uint8Array): void;
  /** Closes every socket abruptly, as a dropped connection. */
  dropAll(): void;
  close(): Promise<void>;
}

export function commandPacket(body: unknown): Uint8Array {
  return encodePacket(Op.command, body, ProtoVer.json);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Several command packets compressed into one op-5 packet, as the server batches them. */
export function compressedBatch(bodies: unknown[], kind: "zlib" | "brotli"): Uint8Array {
  const inner = concat(...bodies.map(commandPacket));
  const packed = kind === "zlib" ? deflateSync(inner) : brotliCompressSync(inner);
  return encodePacket(Op.command, new Uint8Array(packed), kind === "zlib" ? 2 : 3);
}

export function danmuMsg(uid: number, name: string, text: string): unknown {
  return {
    cmd: "DANMU_MSG",
    info: [
      [0, 1, 25, 16777215, Date.now(), 0, 0, "abc", 0, 0, 0, "", 0, "{}", "{}", {}],
      text,
      [
        uid,
        name,
        0,
        0,
        0,
        10000,
        1,
        "",
      ],
      [],
      [0, 0, 0, ">50000"],
      ["", ""],
      0,
      0,
      null,
      {},
      0,
      0,
      [0],
    ],
  };
}

export function startBilibiliServer(
  opts: { shortId?: number; realId?: number; loginMid?: number } = {},
): BiliTestServer {
  const shortId = opts.shortId ?? 7;
  const realId = opts.realId ?? 5_440_000 + Math.floor(Math.random() * 1000);
  const token = "tok-" + crypto.randomUUID();
  const ac = new AbortController();
  const state = {
    auths: [] as Record<string, unknown>[],
    cookies: [] as string[],
    heartbeats: 0,
    sockets: [] as WebSocket[],
    connectionsTotal: 0,
    silent: false,
    authCode: 0,
    signedRequests: 0,
  };
  // The day's WBI keys (32 hex characters each), as nav hands them out.
  const hex = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
  const imgKey = hex();
  const subKey = hex();
  const wbiImg = {
    img_url: `https://i0.hdslb.com/bfs/wbi/${imgKey}.png`,
    sub_url: `https://i0.hdslb.com/bfs/wbi/${subKey}.png`,
  };
  /** Recomputes w_rid from the received parameters (as Bilibili's server does). */
  const wbiValid = (q: URLSearchParams) => {
    const params: Record<string, string> = {};
    for (const [k, v] of q) if (k !== "w_rid" && k !== "wts") params[k] = v;
    const wts = Number(q.get("wts"));
    return Number.isFinite(wts) && Math.abs(wts - Date.now() / 1000) < 300 &&
      signParams(params, mixinKey(imgKey, subKey), wts).w_rid === q.get("w_rid");
  };
  const json = (data: unknown, code = 0) => Response.json({ code, message: "0", data });

  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
    (req): Response => {
      const url = new URL(req.url);
      const cookie = req.headers.get("cookie");
      if (cookie) state.cookies.push(cookie);
      switch (url.pathname) {
        case "/room/v1/Room/get_info": {
          const id = Number(url.searchParams.get("room_id"));
          if (id !== shortId && id !== realId) return json(null, 60004);
          return json({ room_id: realId, short_id: shortId, uid: 1234 });
        }
        case "/xlive/web-room/v1/index/getDanmuInfo": {
          if (Number(url.searchParams.get("id")) !== realId) return json(null, -400);
          if (!wbiValid(url.searchParams)) return json(null, -352);
          state.signedRequests++;
          const port: number = server.addr.port;
          return json({
            token,
            host_list: [{ host: "127.0.0.1", port, wss_port: port, ws_port: port }],
          });
        }
        case "/x/web-interface/nav": {
          const loggedIn = opts.loginMid !== undefined && /SESSDATA=good/.test(cookie ?? "");
          return loggedIn
            ? json({ isLogin: true, mid: opts.loginMid, wbi_img: wbiImg })
            : json({ isLogin: false, wbi_img: wbiImg }, -101);
        }
        case "/sub": {
          const { socket, response } = Deno.upgradeWebSocket(req);
          socket.binaryType = "arraybuffer";
          state.connectionsTotal++;
          socket.onmessage = (ev) => onPacket(socket, new Uint8Array(ev.data as ArrayBuffer));
          socket.onclose = () => {
            state.sockets = state.sockets.filter((s) => s !== socket);
          };
          socket.onerror = () => {};
          return response;
        }
      }
      return new Response("not found", { status: 404 });
    },
  );

  function onPacket(socket: WebSocket, data: Uint8Array) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const op = view.getUint32(8);
    const body = data.subarray(view.getUint16(4), view.getUint32(0));
    if (op === Op.auth) {
      const auth = JSON.parse(new TextDecoder().decode(body));
      state.auths.push(auth);
      const ok = state.authCode === 0 && auth.roomid === realId && auth.key === token &&
        auth.protover === 3;
      socket.send(encodePacket(Op.authReply, { code: ok ? 0 : -101 }));
      if (ok) state.sockets.push(socket);
    } else if (op === Op.heartbeat) {
      state.heartbeats++;
      if (state.silent) return;
      const reply = new Uint8Array(20);
      const v = new DataView(reply.buffer);
      v.setUint32(0, 20);
      v.setUint16(4, 16);
      v.setUint16(6, 1);
      v.setUint32(8, Op.heartbeatReply);
      v.setUint32(12, 1);
      v.setUint32(16, 4242);
      socket.send(reply);
    }
  }

  const port = (server.addr as Deno.NetAddr).port;
  return Object.assign(state, {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    shortId,
    realId,
    token,
    send(frame: Uint8Array) {
      for (const s of state.sockets) if (s.readyState === WebSocket.OPEN) s.send(frame);
    },
    dropAll() {
      for (const s of state.sockets) {
        try {
          s.close(4000, "dropped");
        } catch { /* already closing */ }
      }
      state.sockets = [];
    },
    async close() {
      for (const s of state.sockets) s.close();
      ac.abort();
      await server.finished;
    },
  });
}
