// Fills in what one record alone cannot say, from the span's request or reply: a request's object
// from its reply (a sender that does not trace, generateName), a reply's receiver and object from
// its request, and `reply 201` for creates. Pure; changed spans are copies.
import { keyOf, parentKey } from './keys.ts';
import type { Span } from './types.ts';

/** The name shown for a sender that does not trace (a CLI, a test client). */
export const UNTRACED = 'client';

/** Returns the spans with requests and replies completed from each other. */
export function enrichSpans(spans: Span[]): Span[] {
  const byId = new Map(spans.map((s) => [keyOf(s), s]));
  const replyOf = new Map<string, Span>();
  for (const s of spans) {
    const p = s.reply ? parentKey(s) : undefined;
    if (p && !replyOf.has(p)) replyOf.set(p, s);
  }
  return spans.map((s) => {
    let c: Span | undefined;
    const edit = () => (c ??= { ...s, to: [...s.to] });
    if (!s.from) edit().from = UNTRACED;
    if (s.reply) {
      const p = parentKey(s);
      const req = p ? byId.get(p) : undefined;
      if (req) {
        if (s.to.length === 0) edit().to = [req.from || UNTRACED];
        if (!s.object && req.object) edit().object = req.object;
        if (s.kind === 'reply 200' && req.kind.startsWith('create ')) edit().kind = 'reply 201';
      }
    } else {
      const rep = replyOf.get(keyOf(s));
      if (rep?.object && (!s.object || s.object.endsWith('*')) && !rep.objects) edit().object = rep.object;
    }
    return c ?? s;
  });
}
