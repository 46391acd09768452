/**
 * The co-host's voice in the room's LiveKit room: an `@livekit/rtc-node` participant
 * (`cohost-{roomId}`) publishing one microphone track named `cohost`. A synthesised sentence
 * is resampled to 48 kHz and pushed in 10 ms frames into an AudioSource with a 100 ms queue,
 * so a cut (clearing the queue and stopping the pushes) silences it within a few frames.
 */
import { AccessToken } from "livekit-server-sdk";
import type { AudioSource, Room } from "@livekit/rtc-node";
import type { CoHostVoice } from "../cohost.ts";
import type { VoiceFactory } from "../cohost_actor.ts";
import { type Pcm, resample } from "./wav.ts";

const VOICE_RATE = 48_000;

export interface LivekitVoiceSettings {
  wsUrl: string;
  apiKey: string;
  apiSecret: string;
  /** LiveKit room of a room id (the media module's mapping). */
  roomName?: (roomId: string) => string;
}

const FRAME = VOICE_RATE / 100; // 10 ms

type RtcNode = typeof import("@livekit/rtc-node");
let rtcNode: Promise<RtcNode> | undefined;
/** rtc-node is a native library of tens of MB: loaded when a co-host first speaks, so a
 * process without a speaking co-host (an edge, most engines) does not carry it. */
const loadRtcNode = () => rtcNode ??= import("@livekit/rtc-node");

export function cohostIdentity(roomId: string): string {
  return `cohost-${roomId}`;
}

class LivekitVoice implements CoHostVoice {
  #generation = 0;

  constructor(
    private readonly rtc: RtcNode,
    private readonly room: Room,
    private readonly source: AudioSource,
  ) {}

  async play(pcm: Pcm, signal: AbortSignal): Promise<void> {
    const gen = this.#generation;
    const samples = resample(pcm, VOICE_RATE);
    for (let at = 0; at < samples.length; at += FRAME) {
      if (signal.aborted || gen !== this.#generation) return;
      const chunk = new Int16Array(FRAME);
      chunk.set(samples.subarray(at, Math.min(at + FRAME, samples.length)));
      await this.source.captureFrame(new this.rtc.AudioFrame(chunk, VOICE_RATE, 1, FRAME));
    }
    if (!signal.aborted && gen === this.#generation) await this.source.waitForPlayout();
  }

  cut(): void {
    this.#generation++;
    this.source.clearQueue();
  }

  async close(): Promise<void> {
    this.cut();
    await this.source.close().catch(() => {});
    await this.room.disconnect().catch(() => {});
  }
}

export function livekitVoiceFactory(s: LivekitVoiceSettings): VoiceFactory {
  return {
    async open(roomId) {
      const at = new AccessToken(s.apiKey, s.apiSecret, {
        identity: cohostIdentity(roomId),
        name: "AI co-host",
        ttl: 24 * 3600,
      });
      at.addGrant({
        room: (s.roomName ?? ((id) => id))(roomId),
        roomJoin: true,
        canPublish: true,
        canSubscribe: false,
      });
      const rtc = await loadRtcNode();
      const { AudioSource, LocalAudioTrack, Room, TrackPublishOptions, TrackSource } = rtc;
      const room = new Room();
      await room.connect(s.wsUrl, await at.toJwt(), { autoSubscribe: false, dynacast: false });
      const source = new AudioSource(VOICE_RATE, 1, 100);
      try {
        await room.localParticipant!.publishTrack(
          LocalAudioTrack.createAudioTrack("cohost", source),
          new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
        );
      } catch (e) {
        await room.disconnect().catch(() => {});
        throw e;
      }
      return new LivekitVoice(rtc, room, source);
    },
  };
}
