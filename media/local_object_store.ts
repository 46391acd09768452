/**
 * Recordings on the local disk (the embedded default when S3 is not configured): the same
 * `ObjectStore` as S3, one file per key under a root folder. "Presigned" GETs are URLs of
 * this server (`/media/objects/<key>?exp=...&sig=...`) signed with an HMAC over the key and
 * expiry, served by `localObjectRoutes` (edge/routes/media_objects.ts) after `verify`.
 */
import type { ObjectStore, StoredObject } from "./object_store.ts";

/** Where the local store's signed URLs are served. */
export const LOCAL_OBJECTS_PATH = "/media/objects/";

/**
 * Keys are relative paths of plain segments: no `..`, no empty or hidden parts. Letters and
 * digits of any script are allowed (windowed recordings are named after their anchor, often
 * in Chinese: media/recorder/window_names.ts).
 */
const SAFE_KEY = /^(?!.*(?:^|\/)\.)[\p{L}\p{N}_.\-=]+(?:\/[\p{L}\p{N}_.\-=]+)*$/u;

export function isSafeKey(key: string): boolean {
  return key.length <= 512 && SAFE_KEY.test(key);
}

export class LocalObjectStore implements ObjectStore {
  readonly #key: Promise<CryptoKey>;
  #origin?: string;

  /**
   * `root`: the folder (created on `ensureBucket`); `secret`: signs URLs (any length);
   * the server's own origin is bound once it listens (`bindOrigin`).
   */
  constructor(readonly root: string, secret: string) {
    this.#key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(`local-objects:${secret}`),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  /** The loopback origin of the server that serves `/media/objects/` (absolute URLs). */
  bindOrigin(origin: string): void {
    this.#origin = origin.replace(/\/$/, "");
  }

  #path(key: string): string {
    if (!isSafeKey(key)) throw new Error(`bad object key ${JSON.stringify(key)}`);
    return `${this.root}/${key}`;
  }

  async ensureBucket(): Promise<void> {
    await Deno.mkdir(this.root, { recursive: true });
  }

  /** Written beside the target and renamed: a reader never sees half a segment. */
  async put(key: string, body: Uint8Array | string, _contentType?: string): Promise<void> {
    const path = this.#path(key);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    const partial = `${path}.partial-${crypto.randomUUID()}`;
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    await Deno.writeFile(partial, bytes);
    await Deno.rename(partial, path);
  }

  async putFile(key: string, path: string, contentType?: string): Promise<number> {
    const bytes = await Deno.readFile(path);
    await this.put(key, bytes, contentType);
    return bytes.byteLength;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(this.#path(key));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }

  async getText(key: string): Promise<string | undefined> {
    const bytes = await this.get(key);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await Deno.stat(this.#path(key))).isFile;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    // Walk only the folder the prefix names (keys are `a/b/c`): not the whole store.
    const slash = prefix.lastIndexOf("/");
    const base = slash >= 0 ? prefix.slice(0, slash) : "";
    const walk = async (rel: string) => {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(rel ? `${this.root}/${rel}` : this.root));
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return;
        throw err;
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.name.includes(".partial-")) continue;
        if (e.isDirectory) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix)) await walk(key);
        } else if (e.isFile && key.startsWith(prefix)) {
          const info = await Deno.stat(`${this.root}/${key}`).catch(() => undefined);
          if (info) out.push({ key, size: info.size, lastModified: info.mtime ?? undefined });
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async usage(prefix = ""): Promise<number> {
    return (await this.list(prefix)).reduce((sum, o) => sum + o.size, 0);
  }

  async delete(key: string): Promise<void> {
    await Deno.remove(this.#path(key)).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }

  async presignGet(
    key: string,
    expiresInSeconds = 3600,
    opts: { forPlayer?: boolean } = {},
  ): Promise<string> {
    this.#path(key); // refuses unsafe keys
    const exp = Math.floor(Date.now() / 1000) + expiresInSeconds;
    const sig = await this.#sign(key, exp);
    const path = `${LOCAL_OBJECTS_PATH}${encodeURI(key)}?exp=${exp}&sig=${sig}`;
    if (opts.forPlayer) return path;
    if (!this.#origin) throw new Error("local object store: the server's origin is not bound yet");
    return `${this.#origin}${path}`;
  }

  /** Whether a signed URL's `exp`/`sig` are valid for `key` now. */
  async verify(key: string, exp: string | undefined, sig: string | undefined): Promise<boolean> {
    if (!exp || !sig || !/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) return false;
    if (!isSafeKey(key) || Number(exp) < Date.now() / 1000) return false;
    return await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      Uint8Array.fromHex(sig),
      signedText(key, Number(exp)),
    );
  }

  async #sign(key: string, exp: number): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.#key, signedText(key, exp));
    return new Uint8Array(mac).toHex();
  }

  close(): void {}
}

/** What a signed URL's HMAC covers: its expiry and its key. */
function signedText(key: string, exp: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${exp}\n${key}`);
}
