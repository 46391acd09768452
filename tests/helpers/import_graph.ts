/**
 * The project's import graph as Deno resolves it: every `.ts` file under the given folders,
 * each with the project files it imports (`import`, `import type`, `export … from`, dynamic
 * `import()`), read from `deno info --json` so the graph is the one Deno builds, not a guess.
 * Files a module opens by `new URL("…", import.meta.url)` count as dependencies too: reading
 * another part's file is depending on it.
 */

export interface ImportGraph {
  /** Paths relative to the root, with `/`, e.g. `engine/actor.ts`. */
  files: string[];
  /** file → the project files it depends on (relative paths). */
  deps: Map<string, Set<string>>;
}

/** The graph of every `.ts` file under `folders` (relative to `root`, a folder URL). */
export async function readImportGraph(root: URL, folders: readonly string[]): Promise<ImportGraph> {
  const files: string[] = [];
  for (const folder of folders) await listTs(root, folder, files);
  files.sort();
  const scratch = await Deno.makeTempDir({ prefix: "import_graph_" });
  try {
    const entry = `${scratch}/entry.ts`;
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(new URL(f, root).href)};`).join("\n"),
    );
    const config = new URL("deno.json", root);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", config.pathname, entry],
      cwd: root.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
    const known = new Set(files);
    const deps = new Map<string, Set<string>>(files.map((f) => [f, new Set<string>()]));
    for (const module of info.modules) {
      const from = relative(root, module.specifier);
      if (!from || !known.has(from)) continue;
      for (const dep of module.dependencies ?? []) {
        for (const resolved of [dep.code?.specifier, dep.type?.specifier]) {
          const to = resolved && relative(root, resolved);
          if (to && to !== from && isProjectFile(to, folders)) deps.get(from)!.add(to);
        }
      }
    }
    for (const file of files) {
      for (const asset of await assetReferences(root, file)) {
        if (isProjectFile(asset, folders)) deps.get(file)!.add(asset);
      }
    }
    return { files, deps };
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** The top-level folder of a relative path (`engine`, `actors`, …). */
export function topFolder(path: string): string {
  return path.split("/")[0];
}

/**
 * Strongly connected components with more than one member (Tarjan): each is a set of
 * nodes that reach each other, i.e. a cycle. Components are sorted for stable messages.
 */
export function cycles(
  nodes: Iterable<string>,
  edges: (n: string) => Iterable<string>,
): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * What loading `entry` loads before any of its code runs: the project files (relative paths)
 * and npm packages (names) reached through static value imports only — type-only imports
 * are erased, dynamic `import()` waits until the code asks for it.
 */
export async function staticLoad(
  root: URL,
  entry: string,
): Promise<{ files: Set<string>; packages: Set<string> }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", new URL("deno.json", root).pathname, entry],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [new URL(entry, root).href];
  const seen = new Set(queue);
  while (queue.length) {
    for (const dep of bySpecifier.get(queue.pop()!)?.dependencies ?? []) {
      const target = dep.isDynamic ? undefined : dep.code?.specifier;
      if (!target || seen.has(target)) continue;
      seen.add(target);
      if (target.startsWith("npm:")) {
        packages.add(target.replace(/^npm:\/?/, "").replace(/^(@?[^@/]+(?:\/[^@/]+)?)@.*$/, "$1"));
      } else if (target.startsWith(root.href)) {
        files.add(relative(root, target)!);
        queue.push(target);
      }
    }
  }
  return { files, packages };
}

interface DenoInfo {
  modules: {
    specifier: string;
    dependencies?: {
      code?: { specifier: string };
      type?: { specifier: string };
      isDynamic?: boolean;
    }[];
  }[];
}

async function listTs(root: URL, folder: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(new URL(`${folder}/`, root))) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "node_modules") await listTs(root, path, out);
    else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
}

function relative(root: URL, specifier: string): string | undefined {
  return specifier.startsWith(root.href) ? specifier.slice(root.href.length) : undefined;
}

function isProjectFile(path: string, folders: readonly string[]): boolean {
  return folders.includes(topFolder(path));
}

/** `new URL("relative", import.meta.url)` targets of one file, as relative paths. */
async function assetReferences(root: URL, file: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, root));
  const found: string[] = [];
  for (const m of text.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']*)["']\s*,\s*import\.meta\.url/g)) {
    const target = relative(root, new URL(m[1], new URL(file, root)).href);
    if (target) found.push(target.replace(/\/$/, ""));
  }
  return found;
}
