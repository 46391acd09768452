/** A test viewer: a real WebSocket (Deno's) that records every frame it receives. */

// deno-lint-ignore no-explicit-any
export type Frame = Record<string, any>;

export class TestViewer {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.onmessage = (e) => {
      this.frames.push(typeof e.data === "string" ? JSON.parse(e.data) : { binary: true });
      this.wake();
    };
    this.closed = new Promise((resolve) => {
      socket.onclose = (e) => {
        resolve({ code: e.code, reason: e.reason });
        this.wake();
      };
    });
    socket.onerror = () => {};
  }

  /** Open a socket (no hello sent). */
  static async open(url: string): Promise<TestViewer> {
    const socket = new WebSocket(url);
    const viewer = new TestViewer(socket);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot open ${url}`)), {
        once: true,
      });
    });
    return viewer;
  }

  /** Open, say hello and wait for `welcome`. */
  static async join(
    url: string,
    room: string,
    token: string,
    resumeFrom?: number,
  ): Promise<{ viewer: TestViewer; welcome: Frame }> {
    const viewer = await TestViewer.open(url);
    viewer.send({ type: "hello", v: 1, token, room, resumeFrom });
    const welcome = await viewer.next((f) => f.type === "welcome");
    return { viewer, welcome };
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Uint8Array<ArrayBuffer>): void {
    this.socket.send(data);
  }

  /** The first recorded frame matching `pred` (waits for it up to `timeoutMs`). */
  async next(pred: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.frames.find(pred);
      if (found) return found;
      if (this.socket.readyState >= WebSocket.CLOSING) {
        throw new Error(`socket closed while waiting; frames: ${JSON.stringify(this.frames)}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for a frame; got ${JSON.stringify(this.frames).slice(0, 2000)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Danmaku texts received in batch frames, in order. */
  danmakuTexts(): string[] {
    return this.frames.filter((f) => f.type === "batch").flatMap((f) =>
      f.events.filter((e: Frame) => e.t === "danmaku").map((e: Frame) => e.d.text)
    );
  }

  async waitClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) =>
      timer = setTimeout(() => reject(new Error("socket did not close")), timeoutMs)
    );
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
    await this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
