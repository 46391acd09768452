/**
 * A new recording's id: `rec_<ms since the epoch in base 36>_<12 random hex digits>`. A module
 * of its own so an edge's routes can name a recording without loading the recorder.
 */
export function newRecordingId(clock: () => number = Date.now): string {
  const rand = crypto.getRandomValues(new Uint8Array(6));
  return `rec_${clock().toString(36)}_${
    Array.from(rand, (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}
