/**
 * Noise, and speech mixed with it at a chosen signal-to-noise ratio, made by sox (48 kHz mono
 * WAV files, the rate RNNoise works at) for the denoise tests and benchmark.
 */

/** Runs sox in its repeatable mode (`-R`: the same noise and dither every run). */
async function sox(args: string[]): Promise<string> {
  const out = await new Deno.Command("sox", {
    args: ["-R", ...args],
    stdout: "null",
    stderr: "piped",
  })
    .output();
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`sox failed: ${err.slice(0, 400)}`);
  return err;
}

/**
 * Kinds of noise a streamer's microphone picks up, as sox `synth` effects (each then scaled to
 * the same loudness): steady hiss, a fan's rumble rising and falling, mains hum with its
 * harmonics, bursts of hiss, and plucked chords (music in the room).
 */
export const NOISES: Record<string, (seconds: number) => string[]> = {
  pink: (s) => ["synth", `${s}`, "pinknoise"],
  fan: (s) => ["synth", `${s}`, "brownnoise", "synth", `${s}`, "sine", "amod", "0.7", "50"],
  hum: (s) => ["synth", `${s}`, "sawtooth", "100"],
  bursts: (s) => ["synth", `${s}`, "whitenoise", "tremolo", "2", "100"],
  music: (s) => {
    const chord = (notes: string[]) => ["synth", "1", ...notes.flatMap((n) => ["pluck", n])];
    const chords = [["C3", "E3", "G3"], ["F3", "A3", "C4"], ["G3", "B3", "D4"], ["A3", "C4", "E4"]];
    const parts: string[] = [];
    for (let i = 0; i < Math.ceil(s); i++) parts.push(...chord(chords[i % 4]), ":");
    return parts.slice(0, -1);
  },
};

/** `seconds` of noise `kind` as a 48 kHz mono WAV at an RMS level of about `rmsDb` dBFS. */
export async function noiseWav(
  dir: string,
  kind: keyof typeof NOISES,
  seconds: number,
  rmsDb = -25,
): Promise<string> {
  const raw = `${dir}/${kind}_raw.wav`;
  const path = `${dir}/${kind}.wav`;
  await sox(["-n", "-r", "48000", "-c", "1", "-b", "16", raw, ...NOISES[kind](seconds)]);
  await sox([raw, path, "trim", "0", `${seconds}`, "vol", `${await gainTo(raw, rmsDb)}`]);
  return path;
}

/** RMS amplitude of a file (0..1), from `sox stat`. */
export async function rmsOf(path: string): Promise<number> {
  const stat = await sox([path, "-n", "stat"]);
  const m = /RMS\s+amplitude:\s+([\d.]+)/.exec(stat);
  if (!m) throw new Error(`sox stat gave no RMS: ${stat.slice(0, 200)}`);
  return Number(m[1]);
}

async function gainTo(path: string, rmsDb: number): Promise<number> {
  const rms = await rmsOf(path);
  return rms > 0 ? Math.pow(10, rmsDb / 20) / rms : 1;
}

/**
 * `speech` (any WAV) at 48 kHz with `padSeconds` of silence either side, mixed with `noise`
 * so that speech RMS / noise RMS is `snrDb` (the speech's RMS taken over the speech alone);
 * the speech sits at about -20 dBFS RMS.
 */
export async function mixAtSnr(
  dir: string,
  name: string,
  speech: string,
  noise: string,
  snrDb: number,
  padSeconds = 0.5,
): Promise<string> {
  const clean = `${dir}/${name}_clean.wav`;
  await sox([
    speech,
    "-r",
    "48000",
    "-c",
    "1",
    "-b",
    "16",
    clean,
    "vol",
    `${await gainTo(speech, -20)}`,
  ]);
  const padded = `${dir}/${name}_padded.wav`;
  await sox([clean, padded, "pad", `${padSeconds}`, `${padSeconds}`]);
  const seconds = Number((await soxi(padded)).trim());
  const noiseGain = Math.pow(10, (-20 - snrDb) / 20) / await rmsOf(noise);
  const cut = `${dir}/${name}_noise.wav`;
  await sox([noise, cut, "trim", "0", `${seconds}`, "vol", `${noiseGain}`]);
  const out = `${dir}/${name}_snr${snrDb}.wav`;
  await sox(["-m", padded, cut, out]);
  return out;
}

async function soxi(path: string): Promise<string> {
  const out = await new Deno.Command("soxi", { args: ["-D", path], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout);
}
