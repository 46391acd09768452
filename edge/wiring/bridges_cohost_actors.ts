/**
 * The bridges' and the AI co-host's actor types: bridge actors, the per-room links registry,
 * the co-host actor with its model and voice (hosted_actors.ts adds them to an engine).
 */
import { bridgeActorType, type BridgeSink } from "../../actors/bridges/bridge_actor.ts";
import { linksActorType } from "../../actors/bridges/links_actor.ts";
import { SecretBox } from "../../actors/bridges/secret_box.ts";
import { cohostActorType, type VoiceFactory } from "../../actors/cohost/cohost_actor.ts";
import { RoomClient } from "../../actors/room/client.ts";
import { OpenAiReplyModel } from "../../actors/cohost/reply_model.ts";
import { llmSettingsFromConfig } from "../../actors/ai/llm/client.ts";
import { livekitVoiceFactory } from "../../actors/cohost/voice/livekit_voice.ts";
import { EspeakSynth, OpenAiSpeechSynth, type SpeechSynth } from "../../actors/cohost/voice/tts.ts";
import type { ActorType } from "../../engine/actor.ts";
import type { Config } from "./config.ts";
import type { Logger } from "../../engine/log.ts";

/** Bridged events go to the room's intake (which forwards accepted chat to its co-host). */
export const bridgeSink: BridgeSink = {
  async deliver(roomId, linkId, events, reach) {
    await new RoomClient(reach).bridged(roomId, linkId, events);
  },
};

/**
 * The co-host's speech (`COHOST_TTS`): the configured `/audio/speech` endpoint, or espeak-ng in
 * WebAssembly; /proxy-ws clients get it as WAV, the LiveKit track (when LIVEKIT_* is set) plays it.
 */
function speechFor(config: Config): SpeechSynth | null {
  if (config.COHOST_TTS === "off") return null;
  const remote = config.COHOST_TTS === "remote" ||
    (config.COHOST_TTS === "auto" && config.TTS_BASE_URL !== undefined);
  if (remote && !config.TTS_BASE_URL) throw new Error("COHOST_TTS=remote needs TTS_BASE_URL");
  return remote
    ? new OpenAiSpeechSynth({
      baseUrl: config.TTS_BASE_URL!,
      apiKey: config.TTS_API_KEY,
      model: config.TTS_MODEL,
      voice: config.TTS_VOICE,
    })
    : new EspeakSynth();
}

function voiceFor(config: Config, log: Logger): VoiceFactory | null {
  if (config.COHOST_TTS === "off") return null;
  if (!config.LIVEKIT_URL || !config.LIVEKIT_API_KEY || !config.LIVEKIT_API_SECRET) {
    log.info("co-host LiveKit track off: LIVEKIT_* is not set (/proxy-ws clients still hear it)");
    return null;
  }
  return livekitVoiceFactory({
    wsUrl: config.LIVEKIT_URL,
    apiKey: config.LIVEKIT_API_KEY,
    apiSecret: config.LIVEKIT_API_SECRET,
  });
}

// deno-lint-ignore no-explicit-any
export function bridgesCohostTypes(config: Config, log: Logger): ActorType<any, any, any>[] {
  const secrets = SecretBox.fromBase64(config.BRIDGE_SECRET_KEY);
  const llm = llmSettingsFromConfig(config);
  const model = llm
    ? new OpenAiReplyModel({
      baseUrl: llm.baseUrl,
      apiKey: llm.apiKey,
      model: llm.model,
      timeoutMs: llm.timeoutMs,
    })
    : null;
  return [
    bridgeActorType({ config, secrets, sink: bridgeSink, log }),
    linksActorType({ secrets, maxLinks: config.BRIDGE_MAX_LINKS }),
    cohostActorType({ model, speech: speechFor(config), voice: voiceFor(config, log) }),
  ];
}
