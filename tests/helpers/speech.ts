/** Synthetic speech and video for AI tests: espeak-ng and ffmpeg into a temp dir. */

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr).slice(0, 400)}`);
  }
}

/** What a streamer says in the caption tests and benchmarks (espeak-ng reads them). */
export const STREAMER_PHRASES: readonly string[] = [
  "hello everyone welcome to the stream",
  "today we look at the new camera",
  "please ask your questions in the chat",
  "the battery lasts about four hours",
  "thank you for the gifts",
  "see you all next week",
];

/** A WAV file of `text` spoken by espeak-ng. */
export async function speak(
  dir: string,
  name: string,
  text: string,
  speed = 140,
  voice = "en-us",
): Promise<string> {
  const path = `${dir}/${name}.wav`;
  await run("espeak-ng", ["-v", voice, "-s", String(speed), "-g", "8", "-w", path, text]);
  return path;
}

/** `silence(s) speech silence speech ... silence(s)` as one 16 kHz mono WAV. */
export async function speechWithPauses(
  dir: string,
  sentences: string[],
  pauseSeconds: number,
  /** espeak-ng voice (`cmn` for Mandarin); the sentences are kept as `s{i}.wav`. */
  voice = "en-us",
): Promise<string> {
  const parts: string[] = [];
  for (const [i, s] of sentences.entries()) parts.push(await speak(dir, `s${i}`, s, 140, voice));
  const inputs: string[][] = [];
  const silence = ["-f", "lavfi", "-t", String(pauseSeconds), "-i", "anullsrc=r=16000:cl=mono"];
  inputs.push(silence);
  for (const p of parts) inputs.push(["-i", p], silence);
  const chains = inputs.map((_, i) =>
    `[${i}:a]aresample=16000,aformat=channel_layouts=mono[a${i}]`
  );
  const labels = inputs.map((_, i) => `[a${i}]`).join("");
  const out = `${dir}/mix.wav`;
  const args = [
    "-y",
    "-v",
    "error",
    ...inputs.flat(),
    "-filter_complex",
    `${chains.join(";")};${labels}concat=n=${inputs.length}:v=0:a=1[out]`,
    "-map",
    "[out]",
    "-ac",
    "1",
    "-ar",
    "16000",
    out,
  ];
  await run("ffmpeg", args);
  return out;
}

/** A test video: a moving test pattern with `audioPath` as its sound track, as MP4. */
export async function videoWithAudio(dir: string, audioPath: string, seconds: number) {
  const out = `${dir}/video.mp4`;
  await run("ffmpeg", [
    "-y",
    "-v",
    "error",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=1280x720:rate=25:duration=${seconds}`,
    "-i",
    audioPath,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-shortest",
    out,
  ]);
  return out;
}
