/**
 * Mixes several people's audio (16-bit mono PCM at one sample rate) into one track, for a
 * recording of several speakers. Each source's frames wait in its own queue (`push`); a
 * clock takes mixed audio out: either the main source's own frames (`mixOnto`: the
 * streamer's microphone paces the recording, as when it is alone) or a sample count
 * (`mix`: paced by a timer, when no streamer microphone is there to pace it). A source that
 * runs ahead of the clock loses its oldest audio past `maxLagSamples` (bounded memory and
 * delay); one that runs behind contributes silence for what it lacks. Under `mix`, a source
 * plays only once `primeSamples` are queued (a jitter buffer: frames that arrive a little
 * late do not each leave a hole), and primes again after running dry. Sums are clipped to
 * 16 bits.
 */

interface Queue {
  chunks: Int16Array[];
  /** Samples of `chunks[0]` already taken. */
  offset: number;
  queued: number;
  /** Under `mix`: has queued `primeSamples` since it was created or last ran dry. */
  primed: boolean;
}

export class AudioMixer {
  readonly #queues = new Map<string, Queue>();
  /** Samples dropped because a source ran ahead of the clock. */
  dropped = 0;

  constructor(private readonly maxLagSamples = 9_600, private readonly primeSamples = 0) {}

  /** Sources with a queue. */
  get sources(): number {
    return this.#queues.size;
  }

  /** Queues one frame of `id` (copied: the caller may reuse its buffer). */
  push(id: string, samples: Int16Array): void {
    let q = this.#queues.get(id);
    if (!q) this.#queues.set(id, q = { chunks: [], offset: 0, queued: 0, primed: false });
    q.chunks.push(samples.slice());
    q.queued += samples.length;
    while (q.queued > this.maxLagSamples && q.chunks.length > 1) {
      const old = q.chunks.shift()!;
      const n = old.length - q.offset;
      q.queued -= n;
      q.offset = 0;
      this.dropped += n;
    }
  }

  /** Forgets a source (someone left): its queued audio is discarded. */
  remove(id: string): void {
    this.#queues.delete(id);
  }

  /** `base` (the clocking source's frame) plus every queued source's next samples. */
  mixOnto(base: Int16Array): Int16Array {
    if (this.#queues.size === 0) return base;
    const acc = Int32Array.from(base);
    for (const q of this.#queues.values()) this.#take(q, acc);
    return clip(acc);
  }

  /** `n` samples of every queued source mixed (silence where none has audio). */
  mix(n: number): Int16Array {
    const acc = new Int32Array(n);
    for (const q of this.#queues.values()) {
      if (!q.primed && q.queued < this.primeSamples) continue;
      q.primed = true;
      if (this.#take(q, acc) < n) q.primed = false; // ran dry: prime again
    }
    return clip(acc);
  }

  /** Adds the queue's next samples into `acc`; returns how many it had. */
  #take(q: Queue, acc: Int32Array): number {
    let at = 0;
    while (at < acc.length && q.chunks.length > 0) {
      const c = q.chunks[0];
      const n = Math.min(acc.length - at, c.length - q.offset);
      for (let i = 0; i < n; i++) acc[at + i] += c[q.offset + i];
      at += n;
      q.offset += n;
      q.queued -= n;
      if (q.offset >= c.length) {
        q.chunks.shift();
        q.offset = 0;
      }
    }
    return at;
  }
}

function clip(acc: Int32Array): Int16Array {
  const out = new Int16Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    const v = acc[i];
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
