/**
 * Secrets at rest (a Bilibili login cookie, a relay's token): AES-256-GCM with a random
 * 96-bit nonce, stored as `v1.<nonce b64>.<ciphertext b64>`. The clear text lives only in the
 * bridge actor's memory while it connects; it is never logged or returned by the API.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

const b64 = (b: Uint8Array) => b.toBase64();
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export class SecretBox {
  #key: Promise<CryptoKey>;

  private constructor(raw: Uint8Array<ArrayBuffer>) {
    this.#key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  }

  /** `null` when no key is configured: secrets are then not stored at all. */
  static fromBase64(key: string | undefined): SecretBox | null {
    if (!key) return null;
    const raw = unb64(key);
    if (raw.length !== 32) throw new RangeError("the secret key must be 32 bytes");
    return new SecretBox(raw);
  }

  async seal(clear: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      await this.#key,
      enc.encode(clear),
    );
    return `v1.${b64(iv)}.${b64(new Uint8Array(ct))}`;
  }

  async open(sealed: string): Promise<string> {
    const [v, iv, ct] = sealed.split(".");
    if (v !== "v1" || !iv || !ct) throw new Error("not a sealed secret");
    const clear = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(iv) },
      await this.#key,
      unb64(ct),
    );
    return dec.decode(clear);
  }
}
