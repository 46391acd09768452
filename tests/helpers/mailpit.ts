/**
 * Mailpit (an SMTP catcher with an HTTP API, built once by tests/services/build-go-tools.sh)
 * on free loopback ports with its own temporary database: the notification e-mails' tests send
 * to `smtpUrl` and read what arrived through the API.
 */
import { ensureGoTool, freeTcpPort, httpOk, ServiceProcess } from "./go_tools.ts";

export interface MailpitMessage {
  ID: string;
  Subject: string;
  To: { Address: string }[];
}

export interface Mailpit {
  smtpUrl: string;
  apiUrl: string;
  /** Every message received so far (newest first), at most 1,000. */
  messages(): Promise<MailpitMessage[]>;
  /** One message's text body, HTML body and headers. */
  message(id: string): Promise<{ text: string; html: string; headers: Record<string, string[]> }>;
  stop(): Promise<void>;
}

export async function startMailpit(): Promise<Mailpit> {
  const bin = await ensureGoTool("mailpit");
  const dir = await Deno.makeTempDir({ prefix: "mailpit-" });
  const smtp = await freeTcpPort();
  const http = await freeTcpPort();
  const proc = new ServiceProcess("mailpit", bin, [
    "--smtp",
    `127.0.0.1:${smtp}`,
    "--listen",
    `127.0.0.1:${http}`,
    "--database",
    `${dir}/mailpit.db`,
    "--smtp-auth-accept-any",
    "--smtp-auth-allow-insecure",
    "--max",
    "5000",
  ]);
  const apiUrl = `http://127.0.0.1:${http}`;
  try {
    await proc.waitUntil(() => httpOk(`${apiUrl}/api/v1/info`), 60_000);
  } catch (err) {
    await proc.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  const get = async (path: string) => {
    const res = await fetch(`${apiUrl}${path}`);
    if (!res.ok) throw new Error(`mailpit ${path}: ${res.status} ${await res.text()}`);
    return await res.json();
  };
  return {
    smtpUrl: `smtp://127.0.0.1:${smtp}`,
    apiUrl,
    messages: async () => (await get("/api/v1/messages?limit=1000")).messages ?? [],
    async message(id) {
      const m = await get(`/api/v1/message/${id}`);
      const headers = await get(`/api/v1/message/${id}/headers`);
      return { text: m.Text ?? "", html: m.HTML ?? "", headers };
    },
    async stop() {
      await proc.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
