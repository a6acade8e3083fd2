// A subject trie for NATS-style matching (`*` one token, `>` one or more), as nats-server's sublist.

interface Node<T> {
  children: Map<string, Node<T>>;
  items: Set<T>; // subscriptions ending exactly here
  tail: Set<T>; // subscriptions ending in `>` here
}

const node = <T>(): Node<T> => ({ children: new Map(), items: new Set(), tail: new Set() });

/** Throws when a subject (or a pattern, with wildcards) is malformed. */
export function checkSubject(subject: string, pattern: boolean): void {
  if (pattern ? !validPattern(subject) : !validLiteral(subject)) throw new Error(`invalid subject "${subject}"`);
}

const WHITESPACE = /\s/;

/**
 * Whether a literal subject is well formed, in one pass that allocates nothing: every message's
 * subject is checked, and most reply subjects are new (one inbox token per request).
 */
function validLiteral(subject: string): boolean {
  let start = 0;
  for (let i = 0; i <= subject.length; i++) {
    const c = i < subject.length ? subject.charCodeAt(i) : 46; // a '.' ends the last token
    if (c === 46) {
      const len = i - start;
      if (len === 0) return false;
      if (len === 1 && (subject.charCodeAt(start) === 42 || subject.charCodeAt(start) === 62)) return false; // '*' or '>'
      start = i + 1;
    } else if (c <= 32 ? c === 32 || (c >= 9 && c <= 13) : c > 127 && WHITESPACE.test(subject[i])) return false;
  }
  return true;
}

/** Whether a pattern is well formed: `>` only as its last token. */
function validPattern(subject: string): boolean {
  const tokens = subject.split('.');
  return subject.length > 0 && !WHITESPACE.test(subject) && !tokens.some((t, i) => t === '' || (t === '>' && i !== tokens.length - 1));
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
    collect(this.root, subject.split('.'), 0, out);
    return out;
  }
}

function collect<T>(n: Node<T>, tokens: string[], i: number, out: T[]): void {
  if (i === tokens.length) {
    for (const x of n.items) out.push(x);
    return;
  }
  for (const x of n.tail) out.push(x);
  const exact = n.children.get(tokens[i]);
  if (exact) collect(exact, tokens, i + 1, out);
  const star = n.children.get('*');
  if (star) collect(star, tokens, i + 1, out);
}
