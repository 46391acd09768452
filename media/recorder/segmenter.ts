/**
 * One ffmpeg run writing segmented HLS (H.264/AAC, `seg_%06d.ts`) into a local folder.
 * Finished segments are found by re-reading ffmpeg's own playlist, which it rewrites each
 * time a segment is closed; each is reported once, in order, with its wall-clock span.
 */
import type { Logger } from "../../engine/log.ts";
import { h264AacArgs, spawnFfmpeg } from "../ffmpeg.ts";
import { parseMediaPlaylist } from "../hls.ts";

/** Text with every URL's query string replaced by `?…` (ffmpeg's messages quote its input). */
export function withoutQueries(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s?#"']*)\?[^\s"']*?(?=:\s|[\s"']|$)/gi, "$1?…");
}

export interface LocalSegment {
  seq: number;
  path: string;
  durationSec: number;
  /** Wall-clock span, ms since the epoch. */
  startAt: number;
  endAt: number;
}

export interface SegmenterInput {
  /** ffmpeg input arguments (everything before the output options). */
  args: string[];
  /** Output options placed before the encoder settings (stream maps, filters). */
  outputArgs?: string[];
  /** Started after ffmpeg is spawned (e.g. writes raw frames into FIFOs). */
  feed?(): Promise<void>;
  /** Release what the input holds for this run (FIFO writers). */
  close?(): Promise<void>;
}

export interface SegmenterRunOptions {
  dir: string;
  segmentSeconds: number;
  firstSeq: number;
  input: SegmenterInput;
  onSegment(segment: LocalSegment): Promise<void>;
  log: Logger;
  pollMs?: number;
  clock?: () => number;
}

export interface RunExit {
  code: number;
  /** True when `stop()` asked for the exit. */
  requested: boolean;
  stderrTail: string;
}

export class SegmenterRun {
  readonly exited: Promise<RunExit>;
  #child: Deno.ChildProcess;
  #stopRequested = false;
  #reported = 0;
  #nextStartAt: number;
  #polling: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval>;
  readonly #playlist: string;
  readonly #clock: () => number;

  constructor(private readonly opts: SegmenterRunOptions) {
    this.#clock = opts.clock ?? Date.now;
    this.#nextStartAt = this.#clock();
    this.#playlist = `${opts.dir}/live.m3u8`;
    this.#child = spawnFfmpeg([
      ...opts.input.args,
      ...(opts.input.outputArgs ?? []),
      ...h264AacArgs(opts.segmentSeconds),
      "-f",
      "hls",
      "-hls_time",
      String(opts.segmentSeconds),
      "-hls_list_size",
      "0",
      "-hls_flags",
      "independent_segments+program_date_time+temp_file",
      "-start_number",
      String(opts.firstSeq),
      "-hls_segment_filename",
      `${opts.dir}/seg_%06d.ts`,
      this.#playlist,
    ]);
    const stderr = new Response(this.#child.stderr).text();
    opts.input.feed?.().catch((err) =>
      opts.log.warn("recorder input feed ended", { error: err as Error })
    );
    this.#timer = setInterval(() => this.#poll(), opts.pollMs ?? 250);
    this.exited = this.#child.status.then(async (status) => {
      clearInterval(this.#timer);
      await opts.input.close?.().catch(() => {});
      await this.#poll();
      // ffmpeg names its input URL in errors: its query may carry the platform's tokens.
      const tail = withoutQueries((await stderr).slice(-1500));
      return { code: status.code, requested: this.#stopRequested, stderrTail: tail };
    });
  }

  /** Segments reported so far by this run. */
  get reported(): number {
    return this.#reported;
  }

  /** End of the last reported segment (or the run's start). */
  get lastEndAt(): number {
    return this.#nextStartAt;
  }

  /** Ask ffmpeg to finish (it closes the current segment) and wait for it. */
  async stop(graceMs = 10_000): Promise<RunExit> {
    this.#stopRequested = true;
    try {
      const writer = this.#child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("q"));
      await writer.close();
    } catch { /* already exiting */ }
    await this.opts.input.close?.().catch(() => {});
    const kill = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(kill);
    return exit;
  }

  /** Kill ffmpeg as a crash would (tests of restart and gaps). */
  crash(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
  }

  #poll(): Promise<void> {
    this.#polling = this.#polling.then(() => this.#scan()).catch((err) =>
      this.opts.log.warn("segment scan failed", { error: err as Error })
    );
    return this.#polling;
  }

  async #scan(): Promise<void> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#playlist);
    } catch {
      return; // not written yet
    }
    const playlist = parseMediaPlaylist(text);
    while (this.#reported < playlist.segments.length) {
      const s = playlist.segments[this.#reported];
      const startAt = s.programDateTime ?? this.#nextStartAt;
      const segment: LocalSegment = {
        seq: this.opts.firstSeq + this.#reported,
        path: `${this.opts.dir}/${s.uri}`,
        durationSec: s.durationSec,
        startAt,
        endAt: Math.round(startAt + s.durationSec * 1000),
      };
      this.#reported++;
      this.#nextStartAt = segment.endAt;
      await this.opts.onSegment(segment);
    }
  }
}
