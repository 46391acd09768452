/**
 * A test pattern to go live with when the browser has no camera: colour bars, a block that
 * moves (so a viewer sees the picture advance), the time and the room's name, drawn on a
 * canvas at 15 frames a second and captured as a video track (`canvas.captureStream`).
 */
const BARS = ["#c0c0c0", "#c0c000", "#00c0c0", "#00c000", "#c000c0", "#c00000", "#0000c0"];
const FPS = 15;

export interface TestPattern {
  stream: MediaStream;
  stop(): void;
}

export function testPattern(label: string, width = 1280, height = 720): TestPattern {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d")!;
  let frame = 0;
  const draw = () => {
    const barW = width / BARS.length;
    BARS.forEach((c, i) => {
      ctx.fillStyle = c;
      ctx.fillRect(i * barW, 0, Math.ceil(barW), height * 0.7);
    });
    ctx.fillStyle = "#101218";
    ctx.fillRect(0, height * 0.7, width, height * 0.3);
    // the moving block: one sweep every four seconds
    const x = ((frame % (FPS * 4)) / (FPS * 4)) * (width - 80);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(x, height * 0.7 + 12, 80, 24);
    ctx.font = `600 ${Math.round(height / 14)}px system-ui, "Noto Sans CJK SC", sans-serif`;
    ctx.textBaseline = "middle";
    ctx.fillText(label, 32, height * 0.82);
    ctx.fillText(new Date().toLocaleTimeString(), 32, height * 0.92);
    frame++;
  };
  draw();
  const timer = setInterval(draw, 1000 / FPS);
  const stream = canvas.captureStream(FPS);
  return {
    stream,
    stop() {
      clearInterval(timer);
      stream.getTracks().forEach((tr) => tr.stop());
    },
  };
}

/** Whether a capture error means "there is no camera" (not "the user said no"). */
export function noCamera(err: unknown): boolean {
  return err instanceof DOMException &&
    ["NotFoundError", "NotReadableError", "OverconstrainedError", "DevicesNotFoundError"]
      .includes(err.name);
}
