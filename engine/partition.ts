/**
 * Placement arithmetic: which partition a room (or any actor id) belongs to, which subject
 * reaches it, and which live instance should own a partition (rendezvous hashing, so a
 * joining or leaving instance moves only its own share).
 */

/** FNV-1a, 32 bit: stable across processes and versions (unlike JS engines' hashes). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function partitionOf(id: string, partitions: number): number {
  return fnv1a(id) % partitions;
}

/** The subject an actor is reached on: `{type}.p{k}.{id}` (e.g. `rooms.p17.lobby`). */
export function actorSubject(type: string, id: string, partitions: number): string {
  return `${type}.p${partitionOf(id, partitions)}.${id}`;
}

/** The subscription pattern that serves every actor of a type in one partition. */
export function partitionPattern(type: string, partition: number): string {
  return `${type}.p${partition}.*`;
}

/**
 * The subject batches of messages to an actor go to: `{type}.p{k}.{id}.batch` (envelope.ts).
 * An engine that does not serve batches does not subscribe it, so a batch sent its way gets
 * "no responders" rather than being taken for a single message.
 */
export function actorBatchSubject(type: string, id: string, partitions: number): string {
  return `${actorSubject(type, id, partitions)}.batch`;
}

/** The subscription pattern that serves batches to every actor of a type in one partition. */
export function partitionBatchPattern(type: string, partition: number): string {
  return `${type}.p${partition}.*.batch`;
}

/** Mixes two 32-bit values (murmur3 finaliser) so rendezvous weights are well spread. */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Highest-random-weight owner of `partition` among `instances` (undefined when none). */
export function rendezvousOwner(
  partition: number,
  instances: readonly string[],
): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const instance of instances) {
    const w = mix(fnv1a(instance), partition);
    if (w > bestWeight || (w === bestWeight && best !== undefined && instance < best)) {
      best = instance;
      bestWeight = w;
    }
  }
  return best;
}
