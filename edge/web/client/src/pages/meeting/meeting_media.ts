/**
 * The meeting's media in the browser: one livekit-client Room (the vendored UMD build), the
 * participants' camera, microphone and screen-share tracks as tiles in `grid`, this
 * participant's own camera and microphone on, screen share on demand. With `e2eeKey` the
 * media is end-to-end encrypted: livekit-client's ExternalE2EEKeyProvider holds the shared
 * key (from the invite link's `#key=` fragment, which browsers never send to the server) and
 * its E2EE worker (/vendor/livekit-client.e2ee.worker.js) encrypts and decrypts every frame.
 */
import { loadVendor } from "../../media_vendor.ts";

interface LkTrack {
  kind: string;
  source?: string;
  attach(): HTMLMediaElement;
  detach(): HTMLMediaElement[];
}
interface LkParticipant {
  identity: string;
  name?: string;
}
interface LkLocal extends LkParticipant {
  setCameraEnabled(on: boolean): Promise<unknown>;
  setMicrophoneEnabled(on: boolean): Promise<unknown>;
  setScreenShareEnabled(on: boolean): Promise<unknown>;
  isScreenShareEnabled: boolean;
  isMicrophoneEnabled: boolean;
  isCameraEnabled: boolean;
}
interface LkRoom {
  on(event: string, fn: (...args: never[]) => void): LkRoom;
  connect(url: string, token: string): Promise<void>;
  disconnect(): Promise<void>;
  setE2EEEnabled(on: boolean): Promise<void>;
  localParticipant: LkLocal;
}
interface LkModule {
  Room: new (opts?: Record<string, unknown>) => LkRoom;
  RoomEvent: Record<string, string>;
  ExternalE2EEKeyProvider: new () => { setKey(key: string): Promise<void> };
}

export interface MeetingMedia {
  local: LkLocal;
  toggle(what: "camera" | "mic" | "screen"): Promise<boolean>;
  close(): Promise<void>;
}

/** Connects, shows everyone's tracks in `grid`, publishes camera and microphone. */
export async function joinMeetingMedia(
  grid: HTMLElement,
  access: { url: string; token: string },
  e2eeKey: string | null,
  onLeft: () => void,
): Promise<MeetingMedia> {
  const LK = await loadVendor<LkModule>("livekit-client", "LivekitClient");
  const opts: Record<string, unknown> = { adaptiveStream: true, dynacast: true };
  let keyProvider: { setKey(key: string): Promise<void> } | undefined;
  if (e2eeKey) {
    keyProvider = new LK.ExternalE2EEKeyProvider();
    opts.e2ee = {
      keyProvider,
      worker: new Worker("/vendor/livekit-client.e2ee.worker.js"),
    };
  }
  const room = new LK.Room(opts);
  const E = LK.RoomEvent;
  /** Whose media is end-to-end encrypted (livekit-client says so per participant). */
  const encrypted = new Map<string, boolean>();
  const tileOf = (p: LkParticipant, screen: boolean) => {
    const id = `${p.identity}${screen ? ":screen" : ""}`;
    let tile = grid.querySelector<HTMLElement>(`[data-tile="${CSS.escape(id)}"]`);
    if (!tile) {
      tile = document.createElement("div");
      tile.className = screen ? "meeting-tile screen" : "meeting-tile";
      tile.dataset.tile = id;
      tile.dataset.identity = p.identity;
      if (encrypted.has(p.identity)) tile.dataset.encrypted = String(encrypted.get(p.identity));
      const label = document.createElement("span");
      label.className = "meeting-tile-name";
      label.textContent = p.name || p.identity;
      tile.append(label);
      grid.append(tile);
    }
    return tile;
  };
  const show = (track: LkTrack, p: LkParticipant) => {
    const el = track.attach();
    if (track.kind === "video") el.setAttribute("playsinline", "");
    const screen = track.source === "screen_share" || track.source === "screen_share_audio";
    tileOf(p, screen).prepend(el);
  };
  room.on(E.TrackSubscribed, ((t: LkTrack, _p: unknown, p: LkParticipant) => show(t, p)) as never);
  room.on(
    E.TrackUnsubscribed,
    ((t: LkTrack) => {
      for (const el of t.detach()) el.remove();
    }) as never,
  );
  room.on(
    E.LocalTrackPublished,
    ((pub: { track?: LkTrack }) => {
      if (pub.track?.kind === "video") show(pub.track, room.localParticipant);
    }) as never,
  );
  room.on(
    E.LocalTrackUnpublished,
    ((pub: { track?: LkTrack }) => {
      for (const el of pub.track?.detach() ?? []) el.remove();
    }) as never,
  );
  room.on(
    E.ParticipantDisconnected,
    ((p: LkParticipant) => {
      for (const el of grid.querySelectorAll(`[data-identity="${CSS.escape(p.identity)}"]`)) {
        el.remove();
      }
    }) as never,
  );
  room.on(
    E.ParticipantEncryptionStatusChanged,
    ((on: boolean, p?: LkParticipant) => {
      const identity = (p ?? room.localParticipant).identity;
      encrypted.set(identity, on);
      for (
        const el of grid.querySelectorAll<HTMLElement>(`[data-identity="${CSS.escape(identity)}"]`)
      ) {
        el.dataset.encrypted = String(on);
      }
    }) as never,
  );
  room.on(E.Disconnected, (() => onLeft()) as never);
  if (keyProvider && e2eeKey) {
    await keyProvider.setKey(e2eeKey);
    await room.setE2EEEnabled(true);
  }
  await room.connect(access.url, access.token);
  const lp = room.localParticipant;
  await lp.setCameraEnabled(true).catch(() => {});
  await lp.setMicrophoneEnabled(true).catch(() => {});
  return {
    local: lp,
    async toggle(what) {
      if (what === "camera") await lp.setCameraEnabled(!lp.isCameraEnabled);
      else if (what === "mic") await lp.setMicrophoneEnabled(!lp.isMicrophoneEnabled);
      else await lp.setScreenShareEnabled(!lp.isScreenShareEnabled);
      return what === "camera"
        ? lp.isCameraEnabled
        : what === "mic"
        ? lp.isMicrophoneEnabled
        : lp.isScreenShareEnabled;
    },
    close: () => room.disconnect(),
  };
}

/** A new random E2EE key for an invite link's fragment (256 bits, base64url). */
export function newE2eeKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
}
