/**
 * A wall clock burned into video frames as a row of black and white blocks, read back from a
 * `<video>` in the browser without OCR: ingest-to-viewer latency and "frames advance" checks.
 * Bits are the wall clock in centiseconds mod 2^20 (about 2.9 hours), most significant first,
 * framed by a white and a black reference block. Sender and viewer share this machine's clock.
 *
 * - ffmpeg (OBS stand-in): `clockFilter(w, h)` — drawbox blocks switched by `time(0)`, the
 *   wall clock ffmpeg's expression evaluator reads at each frame, plus a drawtext clock for eyes;
 * - a browser canvas: `DRAW_CLOCK_JS` defines `drawClock(ctx, w, h, nowMs)`;
 * - the viewer: `READ_CLOCK_JS` defines `readClock(video)` → centiseconds or null.
 */
export const CLOCK_BITS = 20;
const MOD = 2 ** CLOCK_BITS;

/** Block geometry as fractions of the frame: one row near the bottom. */
const ROW_Y = 0.82;
const CELL = 1 / (CLOCK_BITS + 4);
const CELL_H = 0.08;

function cellX(i: number): number {
  return CELL * (i + 1); // cell 0: white reference, 1: black, 2..: bits
}

/** An ffmpeg filter chain (for `-vf`) burning the clock into a `w`×`h` picture. */
export function clockFilter(w: number, h: number): string {
  const cw = Math.floor(w * CELL);
  const ch = Math.floor(h * CELL_H);
  const y = Math.floor(h * ROW_Y);
  const box = (i: number, color: string, enable?: string) =>
    `drawbox=x=${Math.floor(w * cellX(i))}:y=${y}:w=${cw}:h=${ch}:color=${color}:t=fill` +
    (enable ? `:enable='${enable}'` : "");
  const parts = [box(0, "white"), box(1, "black")];
  for (let b = 0; b < CLOCK_BITS; b++) {
    const bit = CLOCK_BITS - 1 - b;
    parts.push(box(2 + b, "black"));
    parts.push(box(2 + b, "white", `mod(floor(mod(floor(time(0)*100),${MOD})/${2 ** bit}),2)`));
  }
  parts.push(
    `drawtext=text='%{localtime\\:%H\\\\\\:%M\\\\\\:%S}':x=10:y=10:fontsize=${Math.floor(h / 12)}` +
      ":fontcolor=white:box=1:boxcolor=black",
  );
  return parts.join(",");
}

/** Browser side: `drawClock(ctx, w, h, nowMs)` paints the same blocks on a canvas. */
export const DRAW_CLOCK_JS = `
function drawClock(ctx, w, h, nowMs) {
  const BITS = ${CLOCK_BITS}, CELL = ${CELL}, y = Math.floor(h * ${ROW_Y});
  const cw = Math.floor(w * CELL), ch = Math.floor(h * ${CELL_H});
  const v = Math.floor(nowMs / 10) % ${MOD};
  const x = (i) => Math.floor(w * CELL * (i + 1));
  ctx.fillStyle = "#fff"; ctx.fillRect(x(0), y, cw, ch);
  ctx.fillStyle = "#000"; ctx.fillRect(x(1), y, cw, ch);
  for (let b = 0; b < BITS; b++) {
    ctx.fillStyle = (Math.floor(v / 2 ** (BITS - 1 - b)) % 2) ? "#fff" : "#000";
    ctx.fillRect(x(2 + b), y, cw, ch);
  }
}`;

/** Browser side: `readClock(video)` → the centiseconds burned into the current frame, or null. */
export const READ_CLOCK_JS = `
function readClock(video) {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w || !h) return null;
  const c = readClock.canvas ??= document.createElement("canvas");
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  const ctx = c.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  const cy = Math.floor(h * (${ROW_Y} + ${CELL_H} / 2));
  const luma = (i) => {
    const cx = Math.floor(w * ${CELL} * (i + 1.5));
    const d = ctx.getImageData(cx - 2, cy - 2, 4, 4).data;
    let s = 0;
    for (let k = 0; k < d.length; k += 4) s += 0.299 * d[k] + 0.587 * d[k + 1] + 0.114 * d[k + 2];
    return s / (d.length / 4);
  };
  const white = luma(0), black = luma(1);
  if (white - black < 80) return null; // no clock in this frame
  const mid = (white + black) / 2;
  let v = 0;
  for (let b = 0; b < ${CLOCK_BITS}; b++) v = v * 2 + (luma(2 + b) > mid ? 1 : 0);
  return v;
}`;

/** Milliseconds from a clock value burned at send time to `nowMs` (mod wrap-around). */
export function clockLatencyMs(value: number, nowMs: number): number {
  const now = Math.floor(nowMs / 10) % MOD;
  return ((now - value + MOD) % MOD) * 10;
}

/** The clock in the frame `video` (a selector) shows now on `page`, or null. */
export async function viewerClock(
  page: { evaluate(js: string): Promise<unknown> },
  video = "#live-video",
): Promise<number | null> {
  const v = await page.evaluate(
    `(() => { ${READ_CLOCK_JS}; const el = document.querySelector(${JSON.stringify(video)});
      return el ? readClock(el) : null; })()`,
  );
  return typeof v === "number" ? v : null;
}
