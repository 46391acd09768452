/** I420 (YUV 4:2:0 planar) frame helpers for the recorder's raw video pipe. */

/** Bytes of a tightly packed I420 frame. */
export function i420Size(width: number, height: number): number {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  return width * height + 2 * cw * ch;
}

function scalePlane(
  src: Uint8Array,
  srcOff: number,
  sw: number,
  sh: number,
  dst: Uint8Array,
  dstOff: number,
  dw: number,
  dh: number,
): void {
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor((y * sh) / dh));
    const srow = srcOff + sy * sw;
    const drow = dstOff + y * dw;
    for (let x = 0; x < dw; x++) {
      dst[drow + x] = src[srow + Math.min(sw - 1, Math.floor((x * sw) / dw))];
    }
  }
}

/**
 * Nearest-neighbour scale of a tightly packed I420 frame. WebRTC changes the received
 * resolution with bandwidth and simulcast layers, while ffmpeg's raw input has one fixed
 * size: frames of another size are scaled to it.
 */
export function scaleI420(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Uint8Array {
  const dst = new Uint8Array(i420Size(dw, dh));
  const scw = (sw + 1) >> 1, sch = (sh + 1) >> 1, dcw = (dw + 1) >> 1, dch = (dh + 1) >> 1;
  scalePlane(src, 0, sw, sh, dst, 0, dw, dh);
  scalePlane(src, sw * sh, scw, sch, dst, dw * dh, dcw, dch);
  scalePlane(src, sw * sh + scw * sch, scw, sch, dst, dw * dh + dcw * dch, dcw, dch);
  return dst;
}
