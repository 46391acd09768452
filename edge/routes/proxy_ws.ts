/**
 * `GET /proxy-ws/rooms/:roomId?token=...` (or `?key=...`): an Open-LLM-VTuber-compatible proxy
 * socket onto the room's AI co-host (messages in `edge/proxy_ws/olv_protocol.ts`, documented
 * in PROTOCOL.md). Access: a session token of the room's owner, a room admin or a platform
 * admin, or the room's proxy key (`POST /api/rooms/:id/cohost/proxy-key`). A bad frame gets
 * an `error` message; the socket and the server carry on.
 */
import { Hono } from "hono";
import type { CoHostStatusReply } from "../../actors/cohost/cohost_actor.ts";
import { COHOST_ACTOR_TYPE } from "../../actors/cohost/address.ts";
import type { CoHostInput } from "../../actors/cohost/events.ts";
import { AuthError } from "../auth/identity.ts";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, jsonError } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { socketsApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";
import { ProxyHubs } from "../proxy_ws/hub.ts";
import { MicInput, MicInputError } from "../proxy_ws/mic_input.ts";
import type { Recogniser } from "../../media/audio/asr.ts";
import {
  errorMessage,
  housekeepingReply,
  initMessage,
  MAX_INPUT_CHARS,
  type OlvMessage,
  parseClientFrame,
} from "../proxy_ws/olv_protocol.ts";
import { ForbiddenError, requireRoomManager } from "./room_managers.ts";

/** Inputs one client may send per 10 s (more get `rate_limited`). */
const INPUTS_PER_WINDOW = 20;
const WINDOW_MS = 10_000;
/** A client this far behind on reading is closed. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

type Deps = Pick<
  EdgeDeps,
  "actors" | "transport" | "identity" | "rooms" | "edgeId" | "log" | "config" | "speech"
>;

interface Principal {
  userId: string;
  name: string;
}

export function proxyWsRoutes(
  deps: Deps,
): { app: Hono; hubs: ProxyHubs; close(): Promise<void> } {
  const app = new Hono();
  const log = deps.log.child({ component: "proxy-ws" });
  const hubs = new ProxyHubs(deps.transport, log);
  /** Spoken input: the process's recogniser (`ASR_ENGINE`; the analysis models' when it has
   * them, else one of its own loaded at the first utterance); a Silero VAD per client that
   * sends raw audio. Their modules load with the first spoken input, not with the edge. */
  let asr: Promise<Recogniser | null> | undefined;
  const speech = {
    recogniser: () =>
      deps.speech?.recogniser() ??
        (asr ??= import("../../media/audio/asr.ts").then((m) =>
          m.createRecogniser(deps.config, log)
        )),
    vad: async () => {
      const { SileroVad, VadStream } = await import("../../media/audio/vad.ts");
      const vad = await SileroVad.load();
      return { stream: new VadStream(vad, {}, true), close: () => vad.close() };
    },
  };
  const ask = <T>(roomId: string, msg: unknown) =>
    deps.actors.ask<T>(COHOST_ACTOR_TYPE, roomId, msg);
  let nextClient = 0;

  async function authorize(roomId: string, token?: string, key?: string): Promise<Principal> {
    if (key) {
      const { ok } = await ask<{ ok: boolean }>(roomId, { kind: "check_key", key });
      if (!ok) throw new AuthError("auth_invalid", "wrong proxy key");
      return { userId: `proxy-key:${roomId}`, name: "proxy" };
    }
    const who = await requireRoomManager(deps, roomId, token);
    return { userId: who.userId, name: who.name };
  }

  mount(app, declared(socketsApi, "get", "/proxy-ws/rooms/{roomId}"), async (c, input) => {
    const { roomId } = input.param();
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return jsonError(c, 426, "upgrade_required", "this endpoint speaks WebSocket only");
    }
    let principal: Principal;
    let status: CoHostStatusReply;
    try {
      const { token, key } = input.query();
      principal = await authorize(roomId, token, key);
      status = await ask<CoHostStatusReply>(roomId, { kind: "status" });
    } catch (err) {
      if (err instanceof AuthError) return jsonError(c, 401, err.code, err.message);
      if (err instanceof ForbiddenError) return jsonError(c, 403, err.code, err.message);
      log.warn("proxy-ws refused", { room: roomId, err });
      return jsonError(c, 503, "room_unavailable", "the room's co-host is unavailable");
    }
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 120 });
    const ref = `${deps.edgeId}/${++nextClient}`;
    const sendText = (text: string) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.close(1013, "too slow");
      socket.send(text);
    };
    const send = (m: OlvMessage) => sendText(JSON.stringify(m));
    let leave = () => {};
    let windowStart = 0;
    let inWindow = 0;
    let mic: MicInput | null = null;
    const ctx = { roomId, clientUid: ref, name: status.persona.name };

    socket.onopen = () => {
      leave = hubs.join(roomId, { ref, sendText }, status.persona.name);
      send(initMessage(ctx));
      send({ type: "full-text", text: "Connection established" });
      if (!status.persona.enabled) {
        send(errorMessage("the co-host of this room is off; inputs are ignored", "cohost_off"));
      }
    };
    socket.onclose = () => {
      leave();
      mic?.close().catch(() => {});
    };
    socket.onerror = () => {};

    /** Queues a text (typed, or heard) as the co-host's next input from this client. */
    const submit = (text: string) => {
      const now = Date.now();
      if (now - windowStart > WINDOW_MS) {
        windowStart = now;
        inWindow = 0;
      }
      if (++inWindow > INPUTS_PER_WINDOW) {
        return send(errorMessage("too many inputs; slow down", "rate_limited"));
      }
      const input: CoHostInput = {
        id: `${ref}/${now}/${inWindow}`,
        origin: "proxy",
        user: { id: principal.userId, name: principal.name },
        text: text.slice(0, MAX_INPUT_CHARS),
        at: now,
        trusted: true,
        ref,
      };
      ask<{ outcome: string }>(roomId, { kind: "input", input }).then(
        (r) => {
          if (r.outcome === "ignored") {
            send(errorMessage("the co-host is off or not listening to /proxy-ws", "cohost_off"));
          }
        },
        (err) => send(errorMessage(`input not taken: ${(err as Error).message}`, "unavailable")),
      );
    };
    /** A heard utterance: the speaker sees what was understood (the others on its turn). */
    const heard = (text: string) => {
      send({ type: "user-input-transcription", text });
      submit(text);
    };
    const micFailed = (err: unknown) => {
      if (err instanceof MicInputError) return send(errorMessage(err.message, err.code));
      log.warn("proxy-ws speech input failed", { room: roomId, err });
      send(errorMessage("speech recognition failed", "asr_failed"));
    };
    const micInput = () =>
      mic ??= new MicInput({
        recogniser: speech.recogniser,
        vad: speech.vad,
        language: status.persona.language,
      });

    socket.onmessage = (ev) => {
      const parsed = parseClientFrame(ev.data);
      if (!parsed.ok) return send(errorMessage(parsed.message, parsed.code));
      const f = parsed.frame;
      if (f.type === "text-input" || f.type === "system-priority-message") {
        return submit(f.text.trim());
      }
      if (f.type === "interrupt-signal") {
        ask(roomId, { kind: "interrupt", by: principal.userId }).catch(() => {
          /* nothing to interrupt: Open-LLM-VTuber clients send it freely */
        });
        return;
      }
      if (f.type === "mic-audio-data") {
        try {
          micInput().data(Float32Array.from(f.audio));
        } catch (err) {
          micFailed(err);
        }
        return;
      }
      if (f.type === "mic-audio-end") {
        micInput().end().then((text) => text && heard(text), micFailed);
        return;
      }
      if (f.type === "raw-audio-data") {
        micInput().raw(Float32Array.from(f.audio), (signal) =>
          send({
            type: "control",
            text: signal === "speech-start" ? "interrupt" : "mic-audio-end",
          })).then((texts) => texts.forEach(heard), micFailed);
        return;
      }
      const reply = housekeepingReply(f, ctx);
      if (reply) send(reply);
    };
    return response;
  }, { code: "bad_room_id", message: BAD_ROOM_ID_MESSAGE });
  return {
    app,
    hubs,
    async close() {
      hubs.close();
      await (await asr?.catch(() => null))?.close?.();
    },
  };
}
