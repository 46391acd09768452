/**
 * Drives the streamer's effects inside a Chromium page of the web client (for the effects
 * tests and bench): starts them on the fake camera and microphone, switches them, grabs the
 * processed frames (what would be published) and measures them.
 *
 *   await page.evaluate(EFFECTS_HARNESS);
 *   await page.evaluate(`__fx.start({ minFps: 0, minModelFps: 0 })`);
 *   await page.evaluate(`__fx.only({ blur: true })`);
 *   const m = await page.evaluate(`__fx.measure(${JSON.stringify(REGIONS.background)})`);
 */

/** What `__fx.measure(region)` returns. */
export interface RegionFigures {
  /** Mean |difference| of neighbouring pixels' luminance (high-frequency energy). */
  hf: number;
  /** Mean red, green, blue. */
  r: number;
  g: number;
  b: number;
  /** Mean |difference| per channel from the studio background's pixels. */
  studioDiff: number;
}

export interface Stats {
  fps: number;
  latencyMs: number;
  modelFps: number;
  modelMs: number;
}

export const EFFECTS_HARNESS = `(() => {
  const fx = window.__fx = { notices: [] };
  const OFF = { noise: false, blur: false, background: false, beauty: false, sticker: "none" };
  fx.start = async (rule) => {
    fx.m = await synapseClient.effects();
    fx.raw = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true });
    fx.m.updateEffects(OFF);
    fx.run = await fx.m.startEffects(fx.raw, { rule, onNotice: (t) => fx.notices.push(t) });
    const v = fx.video = document.createElement("video");
    v.muted = true;
    v.srcObject = new MediaStream(fx.run.stream.getVideoTracks());
    document.body.append(v);
    await v.play();
    const c = fx.canvas = document.createElement("canvas");
    c.width = 1280; c.height = 720;
    fx.ctx = c.getContext("2d", { willReadFrequently: true });
    fx.studio = null;
    return { width: v.videoWidth, height: v.videoHeight };
  };
  /** The same capture through new pipelines, with another keep-up rule. */
  fx.restart = async (rule) => {
    fx.run.stop();
    fx.run = await fx.m.startEffects(fx.raw, { rule, onNotice: (t) => fx.notices.push(t) });
    fx.video.srcObject = new MediaStream(fx.run.stream.getVideoTracks());
    await fx.video.play();
  };
  /** Only these effects on (the rest off). */
  fx.only = (patch) => fx.m.updateEffects({ ...OFF, ...patch });
  fx.settings = () => fx.m.effectSettings.value;
  fx.stats = () => fx.run.video.stats();
  fx.face = () => fx.run.video.face;
  /** Resolves after \`n\` more frames reached the video element. */
  fx.frames = (n) => new Promise((resolve) => {
    const step = () => (n-- <= 0 ? resolve() : fx.video.requestVideoFrameCallback(step));
    fx.video.requestVideoFrameCallback(step);
  });
  fx.grab = () => {
    fx.ctx.drawImage(fx.video, 0, 0, 1280, 720);
    return fx.ctx.getImageData(0, 0, 1280, 720).data;
  };
  fx.measure = (rect, studio) => {
    const d = fx.grab();
    const s = studio ? fx.studioPixels() : null;
    let hf = 0, r = 0, g = 0, b = 0, sd = 0, n = 0;
    for (let y = rect.y; y < rect.y + rect.h; y++) {
      for (let x = rect.x; x < rect.x + rect.w; x++) {
        const i = (y * 1280 + x) * 4;
        const lum = (p) => 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2];
        hf += Math.abs(lum(i) - lum(i + 4)) + Math.abs(lum(i) - lum(i + 1280 * 4));
        r += d[i]; g += d[i + 1]; b += d[i + 2];
        if (s) sd += (Math.abs(d[i] - s[i]) + Math.abs(d[i + 1] - s[i + 1]) + Math.abs(d[i + 2] - s[i + 2])) / 3;
        n++;
      }
    }
    return { hf: hf / n / 2, r: r / n, g: g / n, b: b / n, studioDiff: s ? sd / n : -1 };
  };
  fx.studioPixels = () => {
    if (fx.studio) return fx.studio;
    const c = fx.m.studioBackground(1280, 720);
    return fx.studio = c.getContext("2d").getImageData(0, 0, 1280, 720).data;
  };
  /** Pixels that differ (any channel by more than 40) between two grabs: count and box. */
  fx.diff = (a, b) => {
    let n = 0, x0 = 1e9, y0 = 1e9, x1 = -1, y1 = -1;
    for (let y = 0; y < 680; y++) for (let x = 0; x < 1280; x++) {
      const i = (y * 1280 + x) * 4;
      if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 120) {
        n++; x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
    return { n, box: n ? [x0, y0, x1 - x0 + 1, y1 - y0 + 1] : null };
  };
  /** RMS of an audio track over \`ms\`. */
  fx.rms = (track, ms) => new Promise((resolve) => {
    const ctx = new AudioContext({ sampleRate: 48000 });
    const an = ctx.createAnalyser(); an.fftSize = 2048;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(an);
    const buf = new Float32Array(2048); let sum = 0, n = 0;
    const timer = setInterval(() => { an.getFloatTimeDomainData(buf);
      for (const v of buf) { sum += v * v; n++; } }, 40);
    setTimeout(() => { clearInterval(timer); ctx.close(); resolve(Math.sqrt(sum / Math.max(1, n))); }, ms);
  });
  fx.rmsRaw = (ms) => fx.rms(fx.raw.getAudioTracks()[0], ms);
  fx.rmsOut = (ms) => fx.rms(fx.run.stream.getAudioTracks()[0], ms);
})()`;
