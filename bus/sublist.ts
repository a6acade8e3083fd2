// A subject trie for NATS-style matching (`*` one token, `>` one or more), as nats-server's sublist.
import { requestInbox } from './subjects.ts';

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

/** Subjects whose matches are remembered at most (the cache starts over past it). */
const CACHE_MAX = 4096;

/** Reply subjects (`_INBOX.<connection>.<request>`): a new one per request, remembered by their inbox instead. */
const INBOX = requestInbox('');

/** Holds items under subject patterns and finds those matching a literal subject. */
export class Sublist<T> {
  private readonly root: Node<T> = node();
  /**
   * The matches of subjects seen since the last insert or remove (as nats-server's sublist cache): a
   * steady cluster sends to the same few thousand subjects again and again (a lease update, a scrape),
   * and subscriptions change rarely. Forgotten whole on any change, so a match is always what the trie says.
   */
  private cache = new Map<string, readonly T[]>();
  /**
   * The matches of reply subjects by all but their last token, for an inbox whose matches do not
   * depend on that token (no subscription names one request's subject: `_INBOX.<conn>.*` only).
   */
  private byInbox = new Map<string, readonly T[]>();

  insert(pattern: string, item: T): void {
    this.forget();
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
    this.forget();
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

  /** Returns every item whose pattern matches the subject (read-only: it may be a remembered array). */
  match(subject: string): readonly T[] {
    if (subject.startsWith(INBOX)) return this.matchReply(subject);
    const hit = this.cache.get(subject);
    if (hit) return hit;
    const out: T[] = [];
    collect(this.root, subject.split('.'), 0, out);
    if (this.cache.size >= CACHE_MAX) this.cache = new Map();
    this.cache.set(subject, out);
    return out;
  }

  private matchReply(subject: string): readonly T[] {
    const dot = subject.lastIndexOf('.');
    const inbox = dot > 0 ? subject.slice(0, dot) : undefined;
    const hit = inbox === undefined ? undefined : this.byInbox.get(inbox);
    if (hit) return hit;
    const out: T[] = [];
    const look: LastToken = { named: false };
    collect(this.root, subject.split('.'), 0, out, look);
    if (inbox !== undefined && !look.named) {
      if (this.byInbox.size >= CACHE_MAX) this.byInbox = new Map();
      this.byInbox.set(inbox, out);
    }
    return out;
  }

  private forget(): void {
    if (this.cache.size) this.cache = new Map();
    if (this.byInbox.size) this.byInbox = new Map();
  }
}

/** Whether a match looked up the subject's last token by name (then it holds for that subject only). */
interface LastToken {
  named: boolean;
}

function collect<T>(n: Node<T>, tokens: string[], i: number, out: T[], look?: LastToken): void {
  if (i === tokens.length) {
    for (const x of n.items) out.push(x);
    return;
  }
  for (const x of n.tail) out.push(x);
  const star = n.children.get('*');
  // The last token: a child of another name than `*` means this match is that token's only.
  if (look && i === tokens.length - 1 && n.children.size > (star ? 1 : 0)) look.named = true;
  const exact = n.children.get(tokens[i]);
  if (exact) collect(exact, tokens, i + 1, out, look);
  if (star) collect(star, tokens, i + 1, out, look);
}
