/** Password hashing with argon2id (OWASP's minimum: 19 MiB, 2 passes, 1 lane). */
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, so not importable at runtime). */
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PasswordInput = z.string().min(8, "password must have at least 8 characters")
  .max(128, "password must have at most 128 characters");

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
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
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
