/** Password hashing with argon2id (OWASP's minimum: 19 MiB, 2 passes, 1 lane). */
import { z } from "zod";

/** argon2 is a native module of tens of MB: loaded at the first password operation, so a
 * process that never hashes a password (an engine, an idle edge) does not carry it. */
let argon2: Promise<typeof import("@node-rs/argon2")> | undefined;
const loadArgon2 = () => argon2 ??= import("@node-rs/argon2");

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, so not importable at runtime). */
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PasswordInput = z.string().min(8, "password must have at least 8 characters")
  .max(128, "password must have at most 128 characters");

export function hashPassword(password: string): Promise<string> {
  return loadArgon2().then((a) => a.hash(password, OPTIONS));
}

/** A hash of nothing anyone knows, verified against when the user does not exist. */
let decoy: Promise<string> | undefined;

/**
 * True when `password` matches `stored`. With no stored hash it still spends the time of
 * one verification, so response times do not reveal which usernames exist.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hashPassword(crypto.randomUUID());
    const { verify } = await loadArgon2();
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await (await loadArgon2()).verify(stored, password);
  } catch {
    return false;
  }
}
