/**
 * Where recordings live: one bucket-like key space. Two implementations share this shape:
 * S3 (AWS, MinIO; media/s3.ts) and the local disk under DATA_DIR (media/local_object_store.ts,
 * the embedded default), so the recorder, VOD and analysis never ask which one they have.
 */
export interface StoredObject {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface ObjectStore {
  /** Create the bucket (or folder) unless it exists; safe to call repeatedly. */
  ensureBucket(): Promise<void>;
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** Store a local file under `key`; returns its size in bytes. */
  putFile(key: string, path: string, contentType?: string): Promise<number>;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  getText(key: string): Promise<string | undefined>;
  exists(key: string): Promise<boolean>;
  /** Every object under `prefix`, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Total bytes stored under `prefix` (bucket-quota guard). */
  usage(prefix?: string): Promise<number>;
  delete(key: string): Promise<void>;
  /**
   * A time-limited GET URL for `key`: absolute, fetchable from this machine (ffmpeg, ffprobe
   * read segments with it). `forPlayer`: a URL for a browser's player, which may be relative
   * to the server that serves the playlist (the local store's signed `/media/objects/` URLs).
   */
  presignGet(
    key: string,
    expiresInSeconds?: number,
    opts?: { forPlayer?: boolean },
  ): Promise<string>;
  close(): void;
}
