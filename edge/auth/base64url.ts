/** base64url (RFC 4648 §5, no padding) for JWT segments. */

export function encodeBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/** Throws SyntaxError on characters outside the base64url alphabet. */
export function decodeBase64Url(text: string): Uint8Array {
  return Uint8Array.fromBase64(text, { alphabet: "base64url", lastChunkHandling: "loose" });
}
