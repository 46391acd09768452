/**
 * Draws one processed frame with Canvas 2D: the subject (with the beauty filter), over a
 * blurred or replaced background where a person mask is known, then the sticker at the face.
 * Heavy blurs run on a quarter-size copy and are scaled back up (cheap, and smooth anyway).
 */
import type { Face } from "./models.ts";
import type { EffectSettings } from "./settings.ts";

type Ctx = CanvasRenderingContext2D;

function canvas(w: number, h: number): { c: HTMLCanvasElement; x: Ctx } {
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  return { c, x: c.getContext("2d", { willReadFrequently: false })! };
}

/** The built-in virtual background: a soft studio gradient with two light spots. */
export function studioBackground(w: number, h: number): HTMLCanvasElement {
  const { c, x } = canvas(w, h);
  const g = x.createLinearGradient(0, 0, w, h);
  g.addColorStop(0, "#1d2b64");
  g.addColorStop(1, "#6a3093");
  x.fillStyle = g;
  x.fillRect(0, 0, w, h);
  for (const [cx, cy, r] of [[0.2, 0.25, 0.35], [0.85, 0.7, 0.3]]) {
    const spot = x.createRadialGradient(cx * w, cy * h, 0, cx * w, cy * h, r * w);
    spot.addColorStop(0, "rgba(255,255,255,0.18)");
    spot.addColorStop(1, "rgba(255,255,255,0)");
    x.fillStyle = spot;
    x.fillRect(0, 0, w, h);
  }
  return c;
}

export class Compositor {
  readonly out: HTMLCanvasElement;
  readonly #o: Ctx;
  readonly #subject: { c: HTMLCanvasElement; x: Ctx };
  readonly #small: { c: HTMLCanvasElement; x: Ctx };
  readonly #person: { c: HTMLCanvasElement; x: Ctx };
  #background?: HTMLCanvasElement;

  constructor(readonly width: number, readonly height: number) {
    const o = canvas(width, height);
    this.out = o.c;
    this.#o = o.x;
    this.#subject = canvas(width, height);
    this.#person = canvas(width, height);
    this.#small = canvas(Math.max(1, width >> 2), Math.max(1, height >> 2));
  }

  /** The virtual background (default: the studio gradient). */
  setBackground(image?: CanvasImageSource): void {
    const { c, x } = canvas(this.width, this.height);
    if (image) x.drawImage(image, 0, 0, this.width, this.height);
    this.#background = image ? c : studioBackground(this.width, this.height);
  }

  /** A blurred copy of `src` (quarter size, blurred, scaled back) drawn onto `ctx`. */
  #drawBlurred(ctx: Ctx, src: CanvasImageSource, px: number): void {
    const s = this.#small;
    s.x.filter = `blur(${px}px)`;
    s.x.drawImage(src, 0, 0, s.c.width, s.c.height);
    s.x.filter = "none";
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(s.c, 0, 0, this.width, this.height);
  }

  /** Draw `frame` processed by `fx`; `mask` and `face` are the latest model results. */
  draw(
    frame: CanvasImageSource,
    fx: EffectSettings,
    mask: CanvasImageSource | undefined,
    face: Face | undefined,
  ): HTMLCanvasElement {
    const { width: w, height: h } = this;
    const o = this.#o;
    // 1. the subject: the frame, with the beauty filter
    const subj = this.#subject;
    if (fx.beauty) {
      const b = 1 + 0.25 * fx.brightness;
      const sat = 1 + 0.15 * fx.warmth;
      subj.x.filter = `brightness(${b}) saturate(${sat})`;
      subj.x.drawImage(frame, 0, 0, w, h);
      subj.x.filter = "none";
      if (fx.smoothing > 0) {
        // skin smoothing: a softened copy over it, strongest on flat areas at low strength
        subj.x.globalAlpha = 0.6 * fx.smoothing;
        this.#drawBlurred(subj.x, subj.c, 1.5);
        subj.x.globalAlpha = 1;
      }
      if (fx.warmth > 0) {
        subj.x.globalCompositeOperation = "soft-light";
        subj.x.fillStyle = `rgba(255, 140, 50, ${0.35 * fx.warmth})`;
        subj.x.fillRect(0, 0, w, h);
        subj.x.globalCompositeOperation = "source-over";
      }
    } else {
      subj.x.drawImage(frame, 0, 0, w, h);
    }
    // 2. the background, where a mask is known
    if ((fx.blur || fx.background) && mask) {
      if (fx.blur) this.#drawBlurred(o, subj.c, 4);
      else {
        if (!this.#background) this.setBackground();
        o.drawImage(this.#background!, 0, 0);
      }
      const p = this.#person;
      p.x.globalCompositeOperation = "copy";
      p.x.filter = "blur(2px)"; // feathered edge
      p.x.drawImage(mask, 0, 0, w, h);
      p.x.filter = "none";
      p.x.globalCompositeOperation = "source-in";
      p.x.drawImage(subj.c, 0, 0);
      p.x.globalCompositeOperation = "source-over";
      o.drawImage(p.c, 0, 0);
    } else {
      o.drawImage(subj.c, 0, 0);
    }
    // 3. the sticker, anchored to the face's mesh
    if (fx.sticker !== "none" && face) drawSticker(o, fx.sticker, face);
    return this.out;
  }
}

/** FaceMesh points used as anchors: forehead top, outer eye corners, cheek edges. */
const FOREHEAD = 10, RIGHT_EYE = 33, LEFT_EYE = 263, RIGHT_CHEEK = 234, LEFT_CHEEK = 454;

/** Where a sticker goes: the face's centre line, width and tilt from its mesh (else its box). */
export function stickerAnchor(
  face: Face,
): { x: number; y: number; width: number; angle: number; eyeY: number } {
  const m = face.mesh;
  const [bx, by, bw, bh] = face.box;
  if (m.length > LEFT_CHEEK) {
    const [rx, ry] = m[RIGHT_EYE], [lx, ly] = m[LEFT_EYE];
    const width = Math.hypot(
      m[LEFT_CHEEK][0] - m[RIGHT_CHEEK][0],
      m[LEFT_CHEEK][1] - m[RIGHT_CHEEK][1],
    );
    return {
      x: m[FOREHEAD][0],
      y: m[FOREHEAD][1],
      width,
      angle: Math.atan2(ly - ry, lx - rx),
      eyeY: (ry + ly) / 2,
    };
  }
  return { x: bx + bw / 2, y: by, width: bw, angle: 0, eyeY: by + bh * 0.4 };
}

function drawSticker(o: Ctx, kind: "crown" | "glasses", face: Face): void {
  const a = stickerAnchor(face);
  o.save();
  o.lineJoin = "round";
  o.lineWidth = Math.max(2, a.width / 40);
  if (kind === "crown") {
    o.translate(a.x, a.y);
    o.rotate(a.angle);
    const w = a.width * 0.8, h = w * 0.45;
    o.beginPath();
    o.moveTo(-w / 2, 0);
    o.lineTo(-w / 2, -h);
    o.lineTo(-w / 4, -h * 0.45);
    o.lineTo(0, -h * 1.1);
    o.lineTo(w / 4, -h * 0.45);
    o.lineTo(w / 2, -h);
    o.lineTo(w / 2, 0);
    o.closePath();
    o.fillStyle = "#ffcc00";
    o.strokeStyle = "#b8860b";
    o.fill();
    o.stroke();
    o.fillStyle = "#e0115f";
    for (const dx of [-w / 3, 0, w / 3]) {
      o.beginPath();
      o.arc(dx, -h * 0.2, w / 18, 0, Math.PI * 2);
      o.fill();
    }
  } else {
    const eyes = a.eyeY - a.y;
    o.translate(a.x, a.y);
    o.rotate(a.angle);
    const r = a.width * 0.17;
    o.fillStyle = "rgba(10,10,10,0.85)";
    o.strokeStyle = "#111";
    for (const dx of [-a.width * 0.22, a.width * 0.22]) {
      o.beginPath();
      o.ellipse(dx, eyes, r, r * 0.75, 0, 0, Math.PI * 2);
      o.fill();
    }
    o.beginPath();
    o.moveTo(-a.width * 0.05, eyes);
    o.lineTo(a.width * 0.05, eyes);
    o.stroke();
  }
  o.restore();
}
