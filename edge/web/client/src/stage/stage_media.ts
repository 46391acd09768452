/**
 * Guests' video on the room page, and this viewer's own camera and microphone once accepted
 * on stage. It rides on the player's livekit-client Room (no second connection: LiveKit allows
 * one per identity): guests' tracks (participants whose metadata role is `guest`) become
 * tiles beside the streamer's video, arranged by the layout the streamer chose; when this
 * viewer is accepted, the server has already widened its permission, so it publishes the
 * accepted sources (retrying when the permission update arrives), and stops them when it
 * leaves the stage.
 */
import { effect } from "@preact/signals";
import { myStageMedia, stage } from "./stage_store.ts";

/** The parts of livekit-client's objects used here (it is loaded at run time, not bundled). */
interface LkTrack {
  kind: string;
  attach(): HTMLMediaElement;
  detach(): HTMLMediaElement[];
}
interface LkParticipant {
  identity: string;
  name?: string;
  metadata?: string;
}
interface LkRoom {
  on(event: string, fn: (...args: never[]) => void): LkRoom;
  localParticipant: {
    setCameraEnabled(on: boolean): Promise<unknown>;
    setMicrophoneEnabled(on: boolean): Promise<unknown>;
  };
}
interface LkModule {
  RoomEvent: Record<string, string>;
}

/** A participant accepted on stage (its metadata, set by the server, says `guest`). */
export function isStageGuest(p: { metadata?: string } | undefined): boolean {
  try {
    return JSON.parse(p?.metadata ?? "")?.role === "guest";
  } catch {
    return false;
  }
}

/** Puts guests' tiles into `tiles` and publishes this viewer's media while on stage. */
export function attachStageRoom(room: LkRoom, LK: LkModule, tiles: HTMLElement): () => void {
  const E = LK.RoomEvent;
  const tileOf = (p: LkParticipant) => {
    let tile = tiles.querySelector<HTMLElement>(`[data-identity="${CSS.escape(p.identity)}"]`);
    if (!tile) {
      tile = document.createElement("div");
      tile.className = "stage-tile";
      tile.dataset.identity = p.identity;
      const label = document.createElement("span");
      label.className = "stage-tile-name";
      label.textContent = p.name || p.identity;
      tile.append(label);
      tiles.append(tile);
    }
    return tile;
  };
  const show = (track: LkTrack, p: LkParticipant) => {
    const el = track.attach();
    if (track.kind === "video") el.setAttribute("playsinline", "");
    tileOf(p).prepend(el);
  };
  room.on(
    E.TrackSubscribed,
    ((track: LkTrack, _pub: unknown, p: LkParticipant) => {
      if (isStageGuest(p)) show(track, p);
    }) as never,
  );
  room.on(
    E.TrackUnsubscribed,
    ((track: LkTrack) => {
      for (const el of track.detach()) el.remove();
    }) as never,
  );
  room.on(
    E.ParticipantDisconnected,
    ((p: LkParticipant) => {
      tiles.querySelector(`[data-identity="${CSS.escape(p.identity)}"]`)?.remove();
    }) as never,
  );

  const publish = async () => {
    const media = myStageMedia.value;
    const lp = room.localParticipant;
    await lp.setCameraEnabled(media === "camera" || media === "both").catch(() => {});
    await lp.setMicrophoneEnabled(media === "mic" || media === "both").catch(() => {});
  };
  // The permission update may land after the stage event: try again when it does.
  room.on(E.ParticipantPermissionsChanged, (() => void publish()) as never);
  const stopPublish = effect(() => void publish());
  const stopLayout = effect(() => {
    tiles.dataset.layout = stage.value?.layout ?? "grid";
    tiles.hidden = !stage.value?.guests.length;
  });
  return () => {
    stopPublish();
    stopLayout();
  };
}
