/**
 * Open-LLM-VTuber's WebSocket messages, as its proxy (`proxy_handler.py`,
 * `proxy_message_queue.py`), its server (`websocket_handler.py`) and its web front end
 * (`websocket-handler.tsx`) use them - read there, matched here:
 * - clients send `text-input` {text} (queued, answered one at a time), `interrupt-signal`,
 *   spoken input (`mic-audio-data` + `mic-audio-end`, or `raw-audio-data`: `mic_input.ts`),
 *   and housekeeping (`fetch-configs`, `fetch-history-list`, `create-new-history`,
 *   `frontend-playback-complete`, `heartbeat`, ...);
 * - the server answers a turn with `user-input-transcription` {text} (to the clients other
 *   than the sender), `control` `conversation-chain-start`, one `audio` per sentence (as its
 *   `prepare_audio_payload`: `audio` a base64 WAV, `volumes` per `slice_length` ms for the
 *   mouth, the text in `display_text.text`, `actions`; `audio` null when the co-host has no
 *   voice or synthesis failed), and `control` `conversation-chain-end`; errors are
 *   `{type: "error", message}`.
 */
import { z } from "zod";
import type { CoHostEvent } from "../../actors/cohost/events.ts";
import { CLIP_SLICE_MS, type SpeechClip } from "../../actors/cohost/voice/clip.ts";

/** Longest accepted client frame (a text-input is short)... */
export const MAX_FRAME_CHARS = 16_384;
/** ...but a frame of audio samples (Open-LLM-VTuber sends 4096 floats a frame) may be this long. */
export const MAX_AUDIO_FRAME_CHARS = 262_144;
/** Samples in one audio frame at most. */
export const MAX_AUDIO_FRAME_SAMPLES = 16_384;
const AUDIO_FRAME_HEAD = /^\s*\{\s*"type"\s*:\s*"(?:mic-audio-data|raw-audio-data)"/;

/** Samples as Open-LLM-VTuber sends them: floats in [-1, 1], 16 kHz mono. */
const Samples = z.array(z.number().finite().min(-1.5).max(1.5)).max(MAX_AUDIO_FRAME_SAMPLES);
/** Longest text-input (longer ones get an error and are not queued). */
export const MAX_INPUT_CHARS = 500;

export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text-input"), text: z.string() }).passthrough(),
  z.object({ type: z.literal("interrupt-signal") }).passthrough(),
  z.object({ type: z.literal("system-priority-message"), text: z.string() }).passthrough(),
  z.object({ type: z.literal("heartbeat") }).passthrough(),
  z.object({ type: z.literal("request-init-config") }).passthrough(),
  z.object({ type: z.literal("fetch-configs") }).passthrough(),
  z.object({ type: z.literal("fetch-backgrounds") }).passthrough(),
  z.object({ type: z.literal("fetch-history-list") }).passthrough(),
  z.object({ type: z.literal("create-new-history") }).passthrough(),
  z.object({ type: z.literal("fetch-and-set-history") }).passthrough(),
  z.object({ type: z.literal("frontend-playback-complete") }).passthrough(),
  z.object({ type: z.literal("audio-play-start") }).passthrough(),
  z.object({ type: z.literal("ai-speak-signal") }).passthrough(),
  z.object({ type: z.literal("mic-audio-data"), audio: Samples }).passthrough(),
  z.object({ type: z.literal("mic-audio-end") }).passthrough(),
  z.object({ type: z.literal("raw-audio-data"), audio: Samples }).passthrough(),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export type OlvMessage = Record<string, unknown> & { type: string };

export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: string; message: string };

/** Parses one client frame; a bad one gets a stable code and a message for the `error` reply. */
export function parseClientFrame(data: unknown): ParsedFrame {
  if (typeof data !== "string") {
    return { ok: false, code: "binary_frame", message: "binary frames are not accepted" };
  }
  if (
    data.length > MAX_FRAME_CHARS &&
    (data.length > MAX_AUDIO_FRAME_CHARS || !AUDIO_FRAME_HEAD.test(data.slice(0, 64)))
  ) {
    return {
      ok: false,
      code: "frame_too_large",
      message:
        `frames are at most ${MAX_FRAME_CHARS} characters (audio frames ${MAX_AUDIO_FRAME_CHARS})`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, code: "bad_json", message: "the frame is not JSON" };
  }
  const type = typeof json === "object" && json !== null
    ? (json as { type?: unknown }).type
    : undefined;
  if (typeof type !== "string") {
    return {
      ok: false,
      code: "bad_frame",
      message: "a frame is a JSON object with a string `type`",
    };
  }
  const parsed = ClientFrame.safeParse(json);
  if (!parsed.success) {
    const known = ClientFrame.options.some((o) => o.shape.type.value === type);
    return known
      ? {
        ok: false,
        code: "bad_frame",
        message: `${type}: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      }
      : { ok: false, code: "unknown_type", message: `unknown message type ${type}` };
  }
  const f = parsed.data;
  if ((f.type === "text-input" || f.type === "system-priority-message")) {
    const text = f.text.trim();
    if (text.length === 0) return { ok: false, code: "empty_text", message: "text is empty" };
    if (text.length > MAX_INPUT_CHARS) {
      return {
        ok: false,
        code: "text_too_long",
        message: `text is at most ${MAX_INPUT_CHARS} characters`,
      };
    }
  }
  return { ok: true, frame: f };
}

export const errorMessage = (message: string, code?: string): OlvMessage => ({
  type: "error",
  message,
  ...(code ? { code } : {}),
});

/** The replies to housekeeping frames (the front end's history and config panels stay empty). */
export function housekeepingReply(
  frame: ClientFrame,
  ctx: { roomId: string; clientUid: string; name: string },
): OlvMessage | null {
  switch (frame.type) {
    case "request-init-config":
      return initMessage(ctx);
    case "fetch-configs":
      return { type: "config-files", configs: [] };
    case "fetch-backgrounds":
      return { type: "background-files", files: [] };
    case "fetch-history-list":
      return { type: "history-list", histories: [] };
    case "create-new-history":
      return { type: "new-history-created", history_uid: `${ctx.roomId}-${Date.now()}` };
    case "fetch-and-set-history":
      return { type: "history-data", messages: [] };
    case "heartbeat":
      return { type: "heartbeat-ack" };
    default:
      return null;
  }
}

/** Sent on connect: the front end leaves its loading state with it. */
export function initMessage(ctx: { roomId: string; clientUid: string; name: string }): OlvMessage {
  return {
    type: "set-model-and-conf",
    model_info: null,
    conf_name: ctx.name,
    conf_uid: ctx.roomId,
    client_uid: ctx.clientUid,
  };
}

/**
 * Turns the room's co-host events into Open-LLM-VTuber messages for one edge's clients.
 * `to` is `all` or `others` (everyone but the client whose ref sent the input).
 */
export interface Outgoing {
  to: "all" | "others";
  /** For `others`: the sender's ref. */
  except?: string;
  message: OlvMessage;
}

export class OlvTranslator {
  #name: string;
  /** Turn numbers already opened here (a turn whose start we missed is opened late). */
  #open = new Set<number>();

  constructor(name: string) {
    this.#name = name;
  }

  translate(e: CoHostEvent): Outgoing[] {
    switch (e.op) {
      case "taken": {
        this.#open.add(e.turn);
        const out: Outgoing[] = [{
          to: e.input.ref ? "others" : "all",
          except: e.input.ref,
          message: { type: "user-input-transcription", text: e.input.text },
        }];
        out.push({ to: "all", message: { type: "control", text: "conversation-chain-start" } });
        out.push({ to: "all", message: { type: "full-text", text: "Thinking..." } });
        return out;
      }
      case "sentence":
        // A voiced sentence goes out with its speech (`audio` event), a silent one now.
        return e.voiced ? [] : [{ to: "all", message: this.#audio(e.text, null) }];
      case "audio":
        return [{ to: "all", message: this.#audio(e.text, e.clip) }];
      // What the co-host dropped or took back is said to everyone, as a status line.
      case "skipped":
        return [{
          to: "all",
          message: { type: "full-text", text: `Skipped ${e.count} ${e.reason} input(s)` },
        }];
      case "resumed":
        return [{
          to: "all",
          message: {
            type: "full-text",
            text: `Restarted: answering ${e.count} unfinished input(s) again, in order`,
          },
        }];
      case "end": {
        this.#open.delete(e.turn);
        const out: Outgoing[] = [];
        if (e.reason === "interrupted") {
          out.push({ to: "all", message: { type: "interrupt-signal" } });
        }
        out.push({ to: "all", message: { type: "backend-synth-complete" } });
        out.push({ to: "all", message: { type: "control", text: "conversation-chain-end" } });
        return out;
      }
      default:
        return [];
    }
  }

  rename(name: string): void {
    this.#name = name;
  }

  /** One sentence as Open-LLM-VTuber's `prepare_audio_payload` makes it. */
  #audio(text: string, clip: SpeechClip | null): OlvMessage {
    return {
      type: "audio",
      audio: clip?.wav ?? null,
      volumes: clip?.volumes ?? [],
      slice_length: clip?.sliceMs ?? CLIP_SLICE_MS,
      display_text: { text, name: this.#name, avatar: "" },
      actions: null,
      forwarded: false,
    };
  }
}
