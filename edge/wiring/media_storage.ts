/**
 * Where recordings go: object storage (S3, else the local disk when embedded with
 * `MEDIA=auto`), the recording index and, with no LIVEKIT_URL, the embedded media servers
 * (prepared here, started by `Media.launch`). Kept apart from media.ts so a process without
 * media (an edge with media off) never loads the media service's modules.
 */
import { RecordingIndex } from "../../actors/recording/recording_index.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import type { Logger } from "../../engine/log.ts";
import type { LocalMedia } from "../../media/local/local_media.ts";
import { LocalObjectStore } from "../../media/local_object_store.ts";
import type { ObjectStore } from "../../media/object_store.ts";
import { type S3Settings, s3SettingsFromConfig } from "../../media/s3_settings.ts";
import { toolsDir } from "../../media/local/tools.ts";
import type { Config } from "./config.ts";

export interface MediaStorage {
  objects: ObjectStore;
  index: RecordingIndex;
  /** Set when the objects are in S3 (egress writes there too). */
  s3?: S3Settings;
  /** Set when the objects are on the local disk (the edge serves their signed URLs). */
  local?: LocalObjectStore;
  /** The media servers run here (`MEDIA=auto`, embedded, no LIVEKIT_URL). */
  servers?: LocalMedia;
}

/**
 * Object storage (S3, else the local disk when `embedded` and `MEDIA=auto`), the index and,
 * with no LIVEKIT_URL, the embedded media servers (prepared; `Media.launch` starts them);
 * undefined (with a log line) when media is off.
 */
export async function openMediaStorage(
  opts: { config: Config; sql: SqlStore; log: Logger; embedded?: boolean },
): Promise<MediaStorage | undefined> {
  const { config, log } = opts;
  if (config.MEDIA === "off") {
    log.info("media off (MEDIA=off): chat only");
    return undefined;
  }
  const local = config.MEDIA === "auto" && (opts.embedded ?? false);
  const s3 = s3SettingsFromConfig(config);
  if (!s3 && !local) {
    log.info(
      "media off: set S3_ACCESS_KEY/S3_SECRET_KEY (and LIVEKIT_*) to record and stream",
    );
    return undefined;
  }
  const index = new RecordingIndex(opts.sql);
  const servers = local && !config.LIVEKIT_URL
    ? await (await import("../../media/local/local_media.ts")).LocalMedia.prepare({
      dataDir: config.DATA_DIR,
      toolsDir: toolsDir(config.SYNAPSE_TOOLS_DIR),
      publicHost: new URL(config.PUBLIC_URL).hostname,
      rtmpPort: config.MEDIA_RTMP_PORT,
      log: log.child({ component: "media-servers" }),
    })
    : undefined;
  if (s3) {
    // The AWS SDK (tens of MB) loads only when S3 is configured.
    const { S3ObjectStore } = await import("../../media/s3.ts");
    const objects = new S3ObjectStore(s3);
    await objects.ensureBucket();
    return { objects, index, s3, servers };
  }
  const secret = crypto.getRandomValues(new Uint8Array(32)).toHex();
  const objects = new LocalObjectStore(`${config.DATA_DIR}/objects`, secret);
  await objects.ensureBucket();
  log.info("recordings on the local disk", { path: objects.root });
  return { objects, index, local: objects, servers };
}
