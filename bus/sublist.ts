// A subject trie for NATS-style matching (`*` one token, `>` one or more), as nats-server's sublist.

interface Node<T> {
  children: Map<string, Node<T>>;
  items: Set<T>; // subscriptions ending exactly here
  tail: Set<T>; // subscriptions ending in `>` here
}

const node = <T>(): Node<T> => ({ children: new Map(), items: new Set(), tail: new Set() });

// Subjects already checked: most messages go to a few thousand subjects, again and again.
const valid = new Set<string>();

/** Throws when a subject (or a pattern, with wildcards) is malformed. */
export function checkSubject(subject: string, pattern: boolean): void {
  if (!pattern && valid.has(subject)) return;
  checkTokens(subject, pattern);
  if (!pattern) {
    if (valid.size >= 100_000) valid.clear();
    valid.add(subject);
  }
}

function checkTokens(subject: string, pattern: boolean): void {
  const tokens = subject.split('.');
  const bad =
    subject.length === 0 ||
    /\s/.test(subject) ||
    tokens.some((t, i) => t === '' || (t === '>' && (!pattern || i !== tokens.length - 1)) || (!pattern && t === '*'));
  if (bad) throw new Error(`invalid subject "${subject}"`);
}

/** Holds items under subject patterns and finds those matching a literal subject. */
export class Sublist<T> {
  private readonly root: Node<T> = node();

  insert(pattern: string, item: T): void {
    const tokens = pattern.split('.');
    let n = this.root;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === '>') {
        n.tail.add(item);
        return;
      }
      let c = n.children.get(t);
      if (!c) n.children.set(t, (c = node()));
      n = c;
    }
    n.items.add(item);
  }

  remove(pattern: string, item: T): void {
    const tokens = pattern.split('.');
    const path: Node<T>[] = [this.root];
    let n: Node<T> | undefined = this.root;
    for (const t of tokens) {
      if (t === '>') break;
      n = n.children.get(t);
      if (!n) return;
      path.push(n);
    }
    if (tokens[tokens.length - 1] === '>') n.tail.delete(item);
    else n.items.delete(item);
    // Prune empty branches so long-running processes with churning inboxes don't grow.
    for (let i = path.length - 1; i > 0; i--) {
      const p = path[i];
      if (p.items.size || p.tail.size || p.children.size) break;
      path[i - 1].children.delete(tokens[i - 1]);
    }
  }

  /** Returns every item whose pattern matches the subject. */
  match(subject: string): T[] {
    const out: T[] = [];
    const tokens = subject.split('.');
    const walk = (n: Node<T>, i: number) => {
      if (i === tokens.length) {
        for (const x of n.items) out.push(x);
        return;
      }
      for (const x of n.tail) out.push(x);
      const exact = n.children.get(tokens[i]);
      if (exact) walk(exact, i + 1);
      const star = n.children.get('*');
      if (star) walk(star, i + 1);
    };
    walk(this.root, 0);
    return out;
  }
}
