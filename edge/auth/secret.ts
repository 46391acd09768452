/**
 * The HS256 secret for session tokens: `AUTH_SECRET` when set; otherwise, in embedded mode
 * only, a random secret generated once and kept in `${DATA_DIR}/auth_secret` so tokens
 * survive restarts.
 */
import type { Logger } from "../../engine/log.ts";

const FILE_NAME = "auth_secret";

export async function resolveAuthSecret(
  opts: { configured?: string; dataDir: string; allowGenerated: boolean; log: Logger },
): Promise<string> {
  if (opts.configured) return opts.configured;
  if (!opts.allowGenerated) {
    throw new Error("AUTH_SECRET must be set for this role (every edge must share it)");
  }
  const path = `${opts.dataDir}/${FILE_NAME}`;
  try {
    const stored = (await Deno.readTextFile(path)).trim();
    if (stored.length >= 32) return stored;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const secret = crypto.getRandomValues(new Uint8Array(32)).toBase64({ alphabet: "base64url" });
  await Deno.mkdir(opts.dataDir, { recursive: true });
  await Deno.writeTextFile(path, secret, { mode: 0o600 });
  opts.log.info("generated a session-token secret for embedded mode", { path });
  return secret;
}
