/**
 * Nicknames chosen by guests: sanitised like every shown name (the shared text policy:
 * invisible, bidi and control characters removed, whitespace collapsed, Unicode NFC; private
 * use and unassigned characters too) and then validated (length and characters).
 */
import { cleanVisibleText } from "../../engine/text/invisible.ts";

export const NICKNAME_MIN = 2;
export const NICKNAME_MAX = 24;

/** Private-use and unassigned characters (the invisible ones go through `cleanVisibleText`). */
const UNSHOWABLE = /[\p{Co}\p{Cn}]/gu;
/** Letters and marks of any script, digits, space, `_`, `-`, `.`. */
const ALLOWED = /^[\p{L}\p{M}\p{N} _.-]+$/u;

export type NicknameResult = { ok: true; nickname: string } | { ok: false; message: string };

export function sanitizeNickname(raw: string): NicknameResult {
  const cleaned = cleanVisibleText(raw.replace(UNSHOWABLE, ""));
  const length = [...cleaned].length;
  if (length < NICKNAME_MIN || length > NICKNAME_MAX) {
    return {
      ok: false,
      message: `nickname must be ${NICKNAME_MIN}-${NICKNAME_MAX} characters after cleaning`,
    };
  }
  if (!ALLOWED.test(cleaned)) {
    return {
      ok: false,
      message: "nickname may contain letters, digits, spaces, '_', '-' and '.' only",
    };
  }
  return { ok: true, nickname: cleaned };
}

/** A random default such as `guest-4821`. */
export function randomGuestName(): string {
  const n = crypto.getRandomValues(new Uint16Array(1))[0] % 10_000;
  return `guest-${String(n).padStart(4, "0")}`;
}

/** A fresh guest user id (an ID_PATTERN id). */
export function randomGuestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `g_${bytes.toBase64({ alphabet: "base64url", omitPadding: true })}`;
}
