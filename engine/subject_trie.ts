/**
 * Subscriptions indexed by subject tokens, so finding the matches of a subject costs
 * O(tokens) instead of a scan over every wildcard pattern (a host subscribes
 * `rooms.p{k}.*` for each of its partitions).
 */

interface Node<T> {
  children: Map<string, Node<T>>;
  /** Values whose pattern ends at this node. */
  here: Set<T>;
  /** Values whose pattern ends with `>` right below this node. */
  rest: Set<T>;
}

const node = <T>(): Node<T> => ({ children: new Map(), here: new Set(), rest: new Set() });

export class SubjectTrie<T> {
  #root: Node<T> = node();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(pattern: string, value: T): void {
    const tokens = pattern.split(".");
    let n = this.#root;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] === ">") {
        n.rest.add(value);
        this.#size++;
        return;
      }
      let child = n.children.get(tokens[i]);
      if (!child) n.children.set(tokens[i], child = node());
      n = child;
    }
    n.here.add(value);
    this.#size++;
  }

  remove(pattern: string, value: T): void {
    const tokens = pattern.split(".");
    const path: [Node<T>, string][] = [];
    let n = this.#root;
    for (const token of tokens) {
      if (token === ">") {
        if (n.rest.delete(value)) this.#size--;
        break;
      }
      const child = n.children.get(token);
      if (!child) return;
      path.push([n, token]);
      n = child;
    }
    if (tokens[tokens.length - 1] !== ">" && n.here.delete(value)) this.#size--;
    // Prune empty branches.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, token] = path[i];
      const child = parent.children.get(token)!;
      if (child.children.size || child.here.size || child.rest.size) break;
      parent.children.delete(token);
    }
  }

  /** Calls `visit` for every value whose pattern matches the concrete `subject`. */
  match(subject: string, visit: (value: T) => void): void {
    this.#walk(this.#root, subject.split("."), 0, visit);
  }

  clear(): void {
    this.#root = node();
    this.#size = 0;
  }

  #walk(n: Node<T>, tokens: string[], i: number, visit: (value: T) => void): void {
    if (i === tokens.length) {
      for (const v of n.here) visit(v);
      return;
    }
    for (const v of n.rest) visit(v);
    const exact = n.children.get(tokens[i]);
    if (exact) this.#walk(exact, tokens, i + 1, visit);
    const star = n.children.get("*");
    if (star) this.#walk(star, tokens, i + 1, visit);
  }
}
