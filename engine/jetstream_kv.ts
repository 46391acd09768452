/**
 * Small helpers shared by the JetStream KV users (state store, membership, leases):
 * opening a bucket with the settings we need and recognising compare-and-set conflicts.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { type KV, Kvm, type KvOptions } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

/** Create the bucket if missing (same settings: idempotent) and open it. */
export async function openBucket(
  nc: NatsConnection,
  name: string,
  opts: Partial<KvOptions>,
): Promise<KV> {
  const kvm = new Kvm(nc);
  return await kvm.create(name, { history: 1, ...opts });
}

/** True when a write was refused because the key's revision was not the expected one. */
export function isRevisionConflict(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
  }
  return err instanceof Error && /wrong last sequence/i.test(err.message);
}

/** Revision as the StateStore's opaque version string, and back. */
export const revisionToVersion = (rev: number): string => String(rev);
export function versionToRevision(version: string): number | null {
  return /^[1-9][0-9]*$/.test(version) ? Number(version) : null;
}

/** All keys of a bucket (or those matching `filter`), failing after `timeoutMs` instead of
 * waiting forever on a listing that a reconnect interrupted. */
export async function listKeys(kv: KV, timeoutMs: number, filter?: string): Promise<string[]> {
  const it = await kv.keys(filter);
  const keys: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      it.stop();
      reject(new Error(`listing keys of ${kv.constructor.name} timed out`));
    }, timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        for await (const k of it) keys.push(k);
      })(),
      timeout,
    ]);
    return keys;
  } finally {
    clearTimeout(timer);
  }
}
