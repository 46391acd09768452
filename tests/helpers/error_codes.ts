/**
 * Every error code the server can send, found the way a reader would: the code tables of
 * `edge/PROTOCOL.md`, the edge's own `EdgeErrorCode`, and the places in the server's source
 * that raise a coded error (`new XError("code"`, `code: "code"`, `jsonError(c, 4xx, "code"`,
 * `fail("code"`, and the `code: status` maps of the `errors.ts` modules). The web client's
 * catalogues must translate each one (tests/web_i18n.test.ts).
 */
import { EdgeErrorCode } from "../../edge/protocol.ts";

const ROOT = new URL("../../", import.meta.url);
const SOURCE_DIRS = ["engine", "actors", "edge", "media"];
const CODE = "[a-z][a-z0-9]*(?:_[a-z0-9]+)*";

const PATTERNS = [
  new RegExp(`Error\\(\\s*"(${CODE})"`, "g"),
  new RegExp(`\\bcode: "(${CODE})"`, "g"),
  new RegExp(`jsonError\\(\\s*c,\\s*\\d{3},\\s*"(${CODE})"`, "g"),
  new RegExp(`\\bfail\\(\\s*"(${CODE})"`, "g"),
];
/** `insufficient_funds: 409,` in a code → HTTP status map. */
const STATUS_MAP = new RegExp(`^\\s+(${CODE}): [1-5]\\d\\d,`, "gm");

async function* sourceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      // Not the server's: the web client, the typed client (its own client-side codes), deps.
      if (!["web", "sdk", "node_modules"].includes(entry.name)) yield* sourceFiles(url);
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) yield url;
  }
}

/** Codes in PROTOCOL.md's "Error codes" section (backticked words in its table rows). */
function protocolCodes(markdown: string): string[] {
  const start = markdown.indexOf("## Error codes");
  const end = markdown.indexOf("\n## ", start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const codes: string[] = [];
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const first = line.split("|")[1];
    for (const m of first.matchAll(new RegExp("`(" + CODE + ")`", "g"))) codes.push(m[1]);
  }
  return codes;
}

export async function serverErrorCodes(): Promise<Set<string>> {
  const codes = new Set<string>(Object.values(EdgeErrorCode));
  const protocol = await Deno.readTextFile(new URL("edge/PROTOCOL.md", ROOT));
  for (const c of protocolCodes(protocol)) codes.add(c);
  for (const dir of SOURCE_DIRS) {
    for await (const file of sourceFiles(new URL(dir + "/", ROOT))) {
      const text = await Deno.readTextFile(file);
      for (const re of PATTERNS) for (const m of text.matchAll(re)) codes.add(m[1]);
      if (file.pathname.endsWith("errors.ts")) {
        for (const m of text.matchAll(STATUS_MAP)) codes.add(m[1]);
      }
    }
  }
  return codes;
}

if (import.meta.main) console.log([...await serverErrorCodes()].sort().join("\n"));
