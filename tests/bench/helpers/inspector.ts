/**
 * A minimal Chrome DevTools Protocol client for a server started with `--inspect` (Deno
 * and Node alike): force a full garbage collection and read the JS heap, so memory per
 * viewer can be told apart from garbage the collector has not reclaimed yet. Used only
 * around the idle-memory readings; the session is closed before any load runs.
 */
interface CdpReply {
  id?: number;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export class InspectorSession {
  #nextId = 0;
  readonly #pending = new Map<number, (reply: CdpReply) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.onmessage = (event) => {
      const reply = JSON.parse(String(event.data)) as CdpReply;
      if (reply.id === undefined) return;
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    };
  }

  /** Connects to the first target of the inspector listening on `port`. */
  static async connect(port: number): Promise<InspectorSession> {
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as {
      webSocketDebuggerUrl: string;
    }[];
    if (!targets[0]) throw new Error(`no inspector target on port ${port}`);
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`cannot reach inspector on port ${port}`));
    });
    return new InspectorSession(socket);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no reply`)), 30_000);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result ?? {});
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full collections (the second frees what finalisers of the first released). */
  async collectGarbage(): Promise<void> {
    await this.call("HeapProfiler.collectGarbage");
    await this.call("HeapProfiler.collectGarbage");
  }

  /** Bytes of live JS heap objects. */
  async heapUsedBytes(): Promise<number> {
    const usage = await this.call("Runtime.getHeapUsage");
    return Number(usage.usedSize);
  }

  close(): void {
    this.socket.close();
  }
}
