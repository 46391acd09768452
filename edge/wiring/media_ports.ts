/**
 * The media ports every process has, media or not: who may stream (`mediaAuth`), the media
 * routes' answer when media is off, and the rooms' recording port that waits for the media
 * service (`LateRecordingPort`). Light on purpose: no media service module is loaded here.
 */
import type { RoomRecordingPort } from "../../actors/room/ports.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import type { Logger } from "../../engine/log.ts";
import { MediaError } from "../../media/errors.ts";
import type { Identity, IdentityResolver } from "../auth/identity.ts";
import { accountsMediaAuth, type MediaAuth, type MediaRouteDeps } from "../routes/media.ts";
import type { Media } from "./media.ts";

/** Media routes on a server without media: every media endpoint answers `media_disabled`. */
export function disabledMediaRoutes(log: Logger, auth: MediaAuth): MediaRouteDeps {
  return { log, auth };
}

/** Who may stream: through accounts (room owner/admins, platform admins), else admins only. */
export function mediaAuth(identity: IdentityResolver, accountsDb?: SqlStore): MediaAuth {
  const resolve = (token: string) => identity.resolve(token);
  if (accountsDb) return accountsMediaAuth(accountsDb, resolve);
  // `identify` never touches the database: only who may stream needs accounts.
  const base = accountsMediaAuth(undefined as unknown as SqlStore, resolve);
  return {
    identify: base.identify,
    canStream: (who: Identity) => Promise.resolve(who.roles.includes("admin")),
  };
}

/**
 * The room actor's recording port before the media service exists (the room actor type is
 * built before the engine starts, the media service after): refuses until bound.
 */
export class LateRecordingPort implements RoomRecordingPort {
  #media?: Media;

  bind(media: Media | undefined): void {
    this.#media = media;
  }

  async start(roomId: string): Promise<{ recordingId: string }> {
    const media = this.#media ??
      (() => {
        throw new MediaError("media_disabled", "media is not running here", 503);
      })();
    const rec = await media.service.startRoomRecording(roomId);
    return { recordingId: rec.recordingId };
  }

  async stop(roomId: string, recordingId: string | null): Promise<void> {
    const service = this.#media?.service;
    if (!service) return;
    if (recordingId) await service.stopRecording(recordingId);
    else await service.manager?.stopRoom(roomId);
  }
}
