/**
 * Where each participant's picture goes in a composed frame (a recording of several people:
 * the streamer and guests on stage, a meeting). Tile 0 is the main one (the streamer, the
 * host, a screen share); the others follow in order. Every rectangle has even coordinates
 * and sizes, as I420's half-size chroma planes need.
 *
 * - `grid`: equal cells, as square as possible (2 → 2×1, 3-4 → 2×2, 5-6 → 3×2, ...);
 * - `side_by_side`: one row of equal cells;
 * - `pip` (picture in picture): tile 0 fills the frame, the others are quarter-size insets
 *   along the bottom, from the right.
 *
 * A picture is fitted inside its cell keeping its aspect ratio (`fitInside`).
 */

export const TILE_LAYOUTS = ["grid", "side_by_side", "pip"] as const;
export type TileLayout = typeof TILE_LAYOUTS[number];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const even = (n: number) => Math.max(0, Math.floor(n / 2) * 2);

/** One cell per tile, in order, for a frame of `width` × `height`. */
export function tileRegions(
  layout: TileLayout,
  count: number,
  width: number,
  height: number,
): Rect[] {
  if (count <= 0) return [];
  if (count === 1) return [{ x: 0, y: 0, width: even(width), height: even(height) }];
  switch (layout) {
    case "side_by_side":
      return cells(count, count, 1, width, height);
    case "pip": {
      const w = even(width / 4), h = even(height / 4);
      const margin = even(Math.min(width, height) / 32);
      const insets: Rect[] = [];
      for (let i = 1; i < count; i++) {
        const x = width - margin - i * (w + margin);
        insets.push({ x: even(Math.max(0, x)), y: even(height - margin - h), width: w, height: h });
      }
      return [{ x: 0, y: 0, width: even(width), height: even(height) }, ...insets];
    }
    case "grid": {
      const cols = Math.ceil(Math.sqrt(count));
      return cells(count, cols, Math.ceil(count / cols), width, height);
    }
  }
}

function cells(count: number, cols: number, rows: number, width: number, height: number): Rect[] {
  const out: Rect[] = [];
  for (let i = 0; i < count; i++) {
    const c = i % cols, r = Math.floor(i / cols);
    const x0 = even((c * width) / cols), x1 = even(((c + 1) * width) / cols);
    const y0 = even((r * height) / rows), y1 = even(((r + 1) * height) / rows);
    out.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  }
  return out;
}

/** The largest rectangle of the picture's aspect ratio centred inside `cell` (even). */
export function fitInside(cell: Rect, srcWidth: number, srcHeight: number): Rect {
  const scale = Math.min(cell.width / srcWidth, cell.height / srcHeight);
  const width = Math.max(2, Math.min(cell.width, even(srcWidth * scale)));
  const height = Math.max(2, Math.min(cell.height, even(srcHeight * scale)));
  return {
    x: cell.x + even((cell.width - width) / 2),
    y: cell.y + even((cell.height - height) / 2),
    width,
    height,
  };
}
