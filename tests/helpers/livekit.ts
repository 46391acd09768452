/**
 * A real livekit-server for tests: built once (see tests/services/build-go-tools.sh),
 * started in dev mode (key `devkey`, secret `secret`) bound to 127.0.0.1 on free ports,
 * with webhooks posted to the URLs the test gives. RTC runs over loopback (node_ip
 * 127.0.0.1, one UDP port and one TCP port, no external IP discovery).
 *
 *   const lk = await startLivekit({ webhookUrls: ["http://127.0.0.1:1234/webhooks/livekit"] });
 *   // lk.wsUrl, lk.httpUrl, lk.apiKey, lk.apiSecret
 *   await lk.stop();
 */
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  LocalVideoTrack,
  Room,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from "@livekit/rtc-node";
import {
  ensureGoTool,
  freeTcpPort,
  freeUdpPort,
  httpOk,
  onFreePorts,
  ServiceProcess,
} from "./go_tools.ts";

export interface LivekitServer {
  /** `ws://127.0.0.1:port` for clients. */
  wsUrl: string;
  /** `http://127.0.0.1:port` for the server APIs. */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
  /** livekit-server's process id. */
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startLivekit(opts: { webhookUrls?: string[] } = {}): Promise<LivekitServer> {
  const bin = await ensureGoTool("livekit");
  return await onFreePorts(() => startLivekitOnce(bin, opts));
}

async function startLivekitOnce(
  bin: string,
  opts: { webhookUrls?: string[] },
): Promise<LivekitServer> {
  const dir = await Deno.makeTempDir({ prefix: "synapse-livekit-" });
  const port = freeTcpPort();
  const tcpPort = freeTcpPort();
  const udpPort = await freeUdpPort();
  const webhook = opts.webhookUrls?.length
    ? `webhook:\n  api_key: devkey\n  urls:\n${
      opts.webhookUrls.map((u) => `    - ${JSON.stringify(u)}`).join("\n")
    }\n`
    : "";
  const config = `port: ${port}
bind_addresses:
  - 127.0.0.1
rtc:
  tcp_port: ${tcpPort}
  udp_port: ${udpPort}
  use_external_ip: false
  node_ip: 127.0.0.1
  enable_loopback_candidate: true
logging:
  level: warn
${webhook}`;
  const configPath = `${dir}/livekit.yaml`;
  await Deno.writeTextFile(configPath, config);
  const proc = new ServiceProcess("livekit-server", bin, ["--dev", "--config", configPath], {
    HOME: dir,
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await proc.waitUntil(() => httpOk(httpUrl));
  } catch (err) {
    await proc.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl,
    apiKey: "devkey",
    apiSecret: "secret",
    pid: proc.pid,
    output: () => proc.output(),
    async stop() {
      await proc.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A synthetic streamer: publishes a moving test pattern and a 440 Hz tone into a room. */
export interface SyntheticStreamer {
  room: Room;
  /** Frames and audio frames sent so far. */
  sent(): { video: number; audio: number };
  /** Stop publishing and leave the room. */
  stop(): Promise<void>;
}

/** Joins `wsUrl` as the token's participant and publishes `video` as the camera and `audio`
 * as the microphone. */
export async function joinAndPublish(
  wsUrl: string,
  token: string,
  video: VideoSource,
  audio: AudioSource,
): Promise<Room> {
  const room = new Room();
  try {
    await room.connect(wsUrl, token, { autoSubscribe: false, dynacast: false });
    await publishCameraAndMic(room, video, audio);
  } catch (err) {
    await room.disconnect().catch(() => {});
    throw err;
  }
  return room;
}

/** Publishes `video` as the camera and `audio` as the microphone of a connected room. */
export async function publishCameraAndMic(
  room: Room,
  video: VideoSource,
  audio: AudioSource,
): Promise<void> {
  await room.localParticipant!.publishTrack(
    LocalVideoTrack.createVideoTrack("camera", video),
    new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }),
  );
  await room.localParticipant!.publishTrack(
    LocalAudioTrack.createAudioTrack("mic", audio),
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
  );
}

export async function startSyntheticStreamer(
  wsUrl: string,
  token: string,
  opts: {
    width?: number;
    height?: number;
    fps?: number;
    /** 48 kHz mono samples to publish (looped) instead of the 440 Hz tone. */
    audio?: Int16Array;
    /** Publish from this connected room (a viewer given publish rights) instead of joining. */
    room?: Room;
  } = {},
): Promise<SyntheticStreamer> {
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  const fps = opts.fps ?? 15;
  const videoSource = new VideoSource(width, height);
  const audioSource = new AudioSource(48_000, 1);
  let room: Room;
  if (opts.room) {
    room = opts.room;
    await publishCameraAndMic(room, videoSource, audioSource);
  } else room = await joinAndPublish(wsUrl, token, videoSource, audioSource);
  let running = true;
  let videoFrames = 0;
  let audioFrames = 0;
  const ySize = width * height;
  const videoTimer = setInterval(() => {
    const data = new Uint8Array(ySize * 3 / 2);
    const bar = (videoFrames * 4) % width;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data[y * width + x] = Math.abs(x - bar) < 16 ? 235 : (x + y) & 0xff;
      }
    }
    data.fill(128, ySize);
    videoSource.captureFrame(new VideoFrame(data, width, height, VideoBufferType.I420));
    videoFrames++;
  }, 1000 / fps);
  const audioLoop = (async () => {
    const samples = 480; // 10 ms
    let t = 0;
    while (running) {
      const frame = AudioFrame.create(48_000, 1, samples);
      for (let i = 0; i < samples; i++, t++) {
        frame.data[i] = opts.audio
          ? opts.audio[t % opts.audio.length]
          : Math.round(8000 * Math.sin(2 * Math.PI * 440 * t / 48_000));
      }
      await audioSource.captureFrame(frame);
      audioFrames++;
    }
  })();
  return {
    room,
    sent: () => ({ video: videoFrames, audio: audioFrames }),
    async stop() {
      if (!running) return;
      running = false;
      clearInterval(videoTimer);
      await audioLoop.catch(() => {});
      await room.disconnect().catch(() => {});
      await videoSource.close().catch(() => {});
      await audioSource.close().catch(() => {});
    },
  };
}
