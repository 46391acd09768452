/** Frames with rendered text for the OCR tests and benchmark: ffmpeg drawtext, Noto CJK. */

export const CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

export interface DrawnLine {
  text: string;
  size: number;
  /** Top of the line (px). */
  y: number;
}

let made = 0;

/** An 854×480 JPEG (a 480p key frame) with `lines` drawn at x = 40 over a dark background. */
export async function priceFrame(dir: string, lines: DrawnLine[]): Promise<string> {
  const path = `${dir}/frame_${++made}.jpg`;
  const esc = (s: string) => s.replace(/[\\':%]/g, (c) => `\\${c}`);
  const draw = lines.map((l, i) =>
    `drawtext=fontfile=${CJK_FONT}:text='${esc(l.text)}':fontsize=${l.size}:` +
    `fontcolor=${i % 2 ? "yellow" : "white"}:x=40:y=${l.y}`
  );
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x203040:s=854x480"],
      ...["-frames:v", "1", ...(draw.length ? ["-vf", draw.join(",")] : []), "-q:v", "3", path],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return path;
}
