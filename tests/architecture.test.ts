/**
 * The dependency rule (DESIGN.md, "Layout"), checked on the real import graph:
 *   engine ◄── actors ◄── media ◄── edge
 * `engine` imports nothing of `actors`, `edge`, `media`; `actors` and `media` import nothing of
 * `edge`; `actors` import nothing of `media`: the actors declare ports for what they need
 * (actors/segment/ports.ts, the room's ports), media implements them and uses the actors'
 * contracts and clients, and the composition root (edge/wiring/) joins the two. No cycle
 * between top-level folders, none between files. `edge/sdk` (the typed client) counts as a
 * folder of its own and imports none of the server's code, not even the rest of `edge`: it is
 * shipped to other programs and browsers on its own.
 */
import assert from "node:assert/strict";
import { cycles, type ImportGraph, readImportGraph, topFolder } from "./helpers/import_graph.ts";

/** The typed client: inside `edge/` for the layout, its own unit for the rule. */
const SDK = "edge/sdk";

const ROOT = new URL("../", import.meta.url);
const FOLDERS = ["engine", "actors", "edge", "media"] as const;

/** What each top-level folder must never import. */
const FORBIDDEN: Record<string, readonly string[]> = {
  engine: ["actors", "edge", "media"],
  actors: ["edge", "media"],
  media: ["edge"],
  edge: [],
  [SDK]: ["engine", "actors", "edge", "media"],
};

/** The unit a file belongs to for the rule: its top-level folder, or the typed client. */
function unitOf(path: string): string {
  return path.startsWith(`${SDK}/`) ? SDK : topFolder(path);
}

/** Every file → file import that breaks a folder rule, as `from -> to` lines. */
function forbiddenImports(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, tos] of graph.deps) {
    for (const to of tos) {
      if (FORBIDDEN[unitOf(from)]?.includes(unitOf(to))) out.push(`${from} -> ${to}`);
    }
  }
  return out.sort();
}

/** Cycles between top-level folders, each with one file import per step as evidence. */
function folderCycles(graph: ImportGraph): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [from, tos] of graph.deps) {
    for (const to of tos) {
      const [a, b] = [unitOf(from), unitOf(to)];
      if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
  }
  return cycles(edges.keys(), (n) => edges.get(n) ?? []);
}

function fileCycles(graph: ImportGraph): string[][] {
  return cycles(graph.files, (f) => graph.deps.get(f) ?? []);
}

const graph = await readImportGraph(ROOT, FOLDERS);

Deno.test("architecture: the graph is read (every folder has files and imports)", () => {
  for (const folder of FOLDERS) {
    assert.ok(graph.files.some((f) => topFolder(f) === folder), `no files under ${folder}/`);
  }
  // A sample the checker must see, or it reads nothing: the edge imports the engine.
  const edgeImportsEngine = [...graph.deps].some(([from, tos]) =>
    topFolder(from) === "edge" && [...tos].some((t) => topFolder(t) === "engine")
  );
  assert.ok(edgeImportsEngine, "the import graph has no edge -> engine import: reader broken");
});

Deno.test("architecture: no folder imports one it must not (engine ◄ actors ◄ media ◄ edge)", () => {
  assert.deepEqual(forbiddenImports(graph), []);
});

Deno.test("architecture: no cycle between top-level folders", () => {
  assert.deepEqual(folderCycles(graph), []);
});

Deno.test("architecture: no cycle between files", () => {
  assert.deepEqual(fileCycles(graph), []);
});

Deno.test("architecture: the checker finds planted violations in a scratch tree", async () => {
  const root = await Deno.makeTempDir({ prefix: "architecture_" });
  try {
    const write = async (path: string, text: string) => {
      await Deno.mkdir(`${root}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.writeTextFile(`${root}/${path}`, text);
    };
    await Deno.writeTextFile(`${root}/deno.json`, "{}");
    await write("engine/core.ts", 'import type { Room } from "../actors/room.ts";\nexport {};\n');
    await write("actors/room.ts", 'import "../media/clip.ts";\nexport interface Room {}\n');
    await write("media/clip.ts", 'import "../actors/room.ts";\nimport "./a.ts";\n');
    await write("media/a.ts", 'export * from "./b.ts";\n');
    await write("media/b.ts", 'await import("./a.ts");\nexport const b = 1;\n');
    await write("edge/page.ts", 'export const page = new URL("./web/x.html", import.meta.url);\n');
    await write("edge/web/x.html", "");
    await write("edge/sdk/client.ts", 'import { page } from "../page.ts";\nexport { page };\n');
    const planted = await readImportGraph(new URL(`file://${root}/`), FOLDERS);
    assert.deepEqual(forbiddenImports(planted), [
      "actors/room.ts -> media/clip.ts",
      "edge/sdk/client.ts -> edge/page.ts",
      "engine/core.ts -> actors/room.ts",
    ]);
    assert.deepEqual(folderCycles(planted), [["actors", "media"]]);
    assert.deepEqual(fileCycles(planted), [
      ["actors/room.ts", "media/clip.ts"],
      ["media/a.ts", "media/b.ts"],
    ]);
    assert.ok(planted.deps.get("edge/page.ts")!.has("edge/web/x.html"), "file references count");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
