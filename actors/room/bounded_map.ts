/**
 * Eviction for the room's per-user and per-text maps. Evicting one entry per insert is a
 * trap with JS Maps: deleted slots stay in the table until it is rebuilt, so finding "the
 * first key" again and again scans ever more of them. Evicting a slice at once keeps the
 * cost amortised O(1) per insert.
 */

/** Deletes the oldest (first inserted) `fraction` of `map`, at least one entry. */
export function evictOldest<K, V>(map: Map<K, V>, fraction = 0.1): void {
  let n = Math.max(1, Math.ceil(map.size * fraction));
  for (const key of map.keys()) {
    map.delete(key);
    if (--n === 0) return;
  }
}
