/**
 * Small helpers shared by the JetStream KV users (state store, membership, leases):
 * opening a bucket with the settings we need and recognising compare-and-set conflicts.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { Bucket, type KV, Kvm, type KvOptions } from "@nats-io/kv";
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

/**
 * Keys of a bucket (or those matching `filter`) with a value or a delete marker: callers
 * read each key and skip markers. One stream-info request with a subject filter, paged by
 * the client. `kv.keys()` is not used: it counts pending messages first and then waits for
 * the last one, so a key expiring by TTL in between (a crashed member) left it waiting for
 * an idle heartbeat (seen as a 5 s listing timeout in CI).
 */
export async function listKeys(kv: KV, filter = ">"): Promise<string[]> {
  if (!(kv instanceof Bucket)) throw new TypeError("listKeys needs a bucket opened by openBucket");
  const info = await kv.jsm.streams.info(kv.stream, { subjects_filter: kv.fullKeyName(filter) });
  return Object.keys(info.state.subjects ?? {}).map((s) => kv.decodeKey(s.slice(kv.prefixLen)));
}
