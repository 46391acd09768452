/**
 * A WebSocket client on a raw TCP socket: it does the handshake and then reads only when
 * told to, so a test can play a viewer that stops reading (the server's send buffer
 * grows). Client frames are masked as RFC 6455 requires; server frames are parsed.
 */

export type RawFrame =
  | { kind: "text"; text: string }
  | { kind: "close"; code: number; reason: string }
  | { kind: "other"; opcode: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RawWsClient {
  private buffer = new Uint8Array(0);

  private constructor(private readonly conn: Deno.TcpConn) {}

  static async connect(url: string): Promise<RawWsClient> {
    const u = new URL(url);
    const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
    const key = crypto.getRandomValues(new Uint8Array(16)).toBase64();
    await conn.write(encoder.encode(
      `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    const client = new RawWsClient(conn);
    const head = await client.readUntilHeadersEnd();
    if (!head.startsWith("HTTP/1.1 101")) throw new Error(`handshake failed: ${head}`);
    return client;
  }

  async sendText(text: string): Promise<void> {
    const payload = encoder.encode(text);
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const len = payload.length;
    const header = len < 126 ? [0x81, 0x80 | len] : [0x81, 0x80 | 126, len >> 8, len & 0xff];
    const frame = new Uint8Array(header.length + 4 + len);
    frame.set(header, 0);
    frame.set(mask, header.length);
    for (let i = 0; i < len; i++) frame[header.length + 4 + i] = payload[i] ^ mask[i % 4];
    let written = 0;
    while (written < frame.length) written += await this.conn.write(frame.subarray(written));
  }

  /** Read the next frame from the socket (waits for data). */
  async readFrame(): Promise<RawFrame> {
    await this.fill(2);
    const b0 = this.buffer[0], b1 = this.buffer[1];
    let len = b1 & 0x7f;
    let offset = 2;
    if (len === 126) {
      await this.fill(4);
      len = (this.buffer[2] << 8) | this.buffer[3];
      offset = 4;
    } else if (len === 127) {
      await this.fill(10);
      len = Number(new DataView(this.buffer.buffer, this.buffer.byteOffset + 2, 8).getBigUint64(0));
      offset = 10;
    }
    await this.fill(offset + len);
    const payload = this.buffer.slice(offset, offset + len);
    this.buffer = this.buffer.slice(offset + len);
    const opcode = b0 & 0x0f;
    if (opcode === 1) return { kind: "text", text: decoder.decode(payload) };
    if (opcode === 8) {
      const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
      return { kind: "close", code, reason: decoder.decode(payload.subarray(2)) };
    }
    return { kind: "other", opcode };
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  private async readUntilHeadersEnd(): Promise<string> {
    while (true) {
      const text = decoder.decode(this.buffer);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        this.buffer = this.buffer.slice(encoder.encode(text.slice(0, end + 4)).length);
        return text.slice(0, end);
      }
      await this.readMore();
    }
  }

  private async fill(n: number): Promise<void> {
    while (this.buffer.length < n) await this.readMore();
  }

  private async readMore(): Promise<void> {
    const chunk = new Uint8Array(256 * 1024);
    const n = await this.conn.read(chunk);
    if (n === null) throw new Error("connection closed by the server");
    const next = new Uint8Array(this.buffer.length + n);
    next.set(this.buffer, 0);
    next.set(chunk.subarray(0, n), this.buffer.length);
    this.buffer = next;
  }
}
