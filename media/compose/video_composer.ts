/**
 * Composes several people's video into one picture (I420), for a recording that must hold
 * everyone on screen: the streamer and guests on stage, a meeting's participants. Each tile
 * keeps its latest frame (`put`); `compose` draws every tile into its cell of the layout
 * (`tile_layout.ts`), scaled nearest-neighbour and fitted keeping its aspect ratio, on black.
 * The layout, the order and the set of tiles may change between two `compose` calls: the
 * next picture shows the change (no encoder restart). A single tile whose frame already has
 * the output size is returned as is (no copy, no scaling): one person costs nothing extra.
 *
 *   const composer = new VideoComposer(1280, 720, "grid");
 *   composer.put("alice", { data, width: 640, height: 360 });   // every decoded frame
 *   composer.setOrder(["alice", "bob"]);                        // tile 0 = main
 *   composer.layout = "pip";
 *   fifo.write(composer.compose());
 */
import { i420Size } from "../recorder/i420.ts";
import { fitInside, type Rect, type TileLayout, tileRegions } from "./tile_layout.ts";

/** A tightly packed I420 picture. The composer keeps a reference: do not reuse `data`. */
export interface I420Frame {
  data: Uint8Array;
  width: number;
  height: number;
}

const BLACK_Y = 16, BLACK_UV = 128;

export class VideoComposer {
  /** Latest frame per tile, in arrival order (Map order). */
  readonly #tiles = new Map<string, I420Frame | undefined>();
  #order: readonly string[] = [];
  #layout: TileLayout;
  /** Source-x index per (source width, destination width): reused every frame. */
  readonly #xMaps = new Map<string, Int32Array>();

  constructor(
    readonly width: number,
    readonly height: number,
    layout: TileLayout = "grid",
  ) {
    if (width % 2 || height % 2 || width <= 0 || height <= 0) {
      throw new RangeError(`composed size must be even and positive: ${width}x${height}`);
    }
    this.#layout = layout;
  }

  get layout(): TileLayout {
    return this.#layout;
  }

  set layout(layout: TileLayout) {
    this.#layout = layout;
  }

  /** Preferred order (tile 0 is the main one); tiles not listed follow in arrival order. */
  setOrder(ids: readonly string[]): void {
    this.#order = [...ids];
  }

  /** Adds a tile (shown black until its first frame) or replaces its frame. */
  put(id: string, frame?: I420Frame): void {
    if (frame && frame.data.length < i420Size(frame.width, frame.height)) {
      throw new RangeError(`frame of ${id} is shorter than ${frame.width}x${frame.height} I420`);
    }
    if (frame || !this.#tiles.has(id)) this.#tiles.set(id, frame);
  }

  /** Takes a tile out of the picture (someone left); false if it was not there. */
  remove(id: string): boolean {
    return this.#tiles.delete(id);
  }

  has(id: string): boolean {
    return this.#tiles.has(id);
  }

  /** Tiles in drawing order. */
  ids(): string[] {
    const listed = this.#order.filter((id) => this.#tiles.has(id));
    const rest = [...this.#tiles.keys()].filter((id) => !this.#order.includes(id));
    return [...listed, ...rest];
  }

  /** Each tile's cell in the current layout (what `compose` fills). */
  regions(): Map<string, Rect> {
    const ids = this.ids();
    const cells = tileRegions(this.#layout, ids.length, this.width, this.height);
    return new Map(ids.map((id, i) => [id, cells[i]]));
  }

  /** The composed picture (width × height, I420), a new buffer the caller owns. */
  compose(): Uint8Array {
    const regions = this.regions();
    if (regions.size === 1) {
      const [id] = regions.keys();
      const f = this.#tiles.get(id);
      if (f && f.width === this.width && f.height === this.height) {
        return f.data.slice(0, i420Size(f.width, f.height));
      }
    }
    const out = new Uint8Array(i420Size(this.width, this.height));
    const ySize = this.width * this.height;
    out.fill(BLACK_Y, 0, ySize);
    out.fill(BLACK_UV, ySize);
    for (const [id, cell] of regions) {
      const f = this.#tiles.get(id);
      if (f) this.#draw(f, fitInside(cell, f.width, f.height), out);
    }
    return out;
  }

  #xMap(sw: number, dw: number): Int32Array {
    const key = `${sw}:${dw}`;
    let map = this.#xMaps.get(key);
    if (!map) {
      map = new Int32Array(dw);
      for (let x = 0; x < dw; x++) map[x] = Math.min(sw - 1, Math.floor((x * sw) / dw));
      if (this.#xMaps.size > 64) this.#xMaps.clear();
      this.#xMaps.set(key, map);
    }
    return map;
  }

  /** Nearest-neighbour scale of the frame's three planes into `dst` of the output. */
  #draw(f: I420Frame, dst: Rect, out: Uint8Array): void {
    const W = this.width, H = this.height;
    const sw = f.width, sh = f.height;
    const scw = (sw + 1) >> 1, sch = (sh + 1) >> 1;
    const planes = [
      { src: 0, sw, sh, out: 0, stride: W, x: dst.x, y: dst.y, w: dst.width, h: dst.height },
      {
        src: sw * sh,
        sw: scw,
        sh: sch,
        out: W * H,
        stride: W >> 1,
        x: dst.x >> 1,
        y: dst.y >> 1,
        w: dst.width >> 1,
        h: dst.height >> 1,
      },
      {
        src: sw * sh + scw * sch,
        sw: scw,
        sh: sch,
        out: W * H + (W >> 1) * (H >> 1),
        stride: W >> 1,
        x: dst.x >> 1,
        y: dst.y >> 1,
        w: dst.width >> 1,
        h: dst.height >> 1,
      },
    ];
    const data = f.data;
    for (const p of planes) {
      const xs = this.#xMap(p.sw, p.w);
      for (let y = 0; y < p.h; y++) {
        const srow = p.src + Math.min(p.sh - 1, Math.floor((y * p.sh) / p.h)) * p.sw;
        const drow = p.out + (p.y + y) * p.stride + p.x;
        for (let x = 0; x < p.w; x++) out[drow + x] = data[srow + xs[x]];
      }
    }
  }
}
