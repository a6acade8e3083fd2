// Limits on request bodies beyond their size: nesting depth. A deep body would exhaust the stack
// of the YAML parser (which can then abort the process) and of every recursive step after it.
import { StatusError } from '../../api/status.ts';

/** The deepest nesting of arrays and objects a body may have (Kubernetes objects stay far below it). */
export const MAX_BODY_DEPTH = 256;

const tooDeep = (limit: number) => new StatusError(400, 'BadRequest', `the body of the request nests deeper than ${limit} levels`);

/** Throws 400 when the text opens more than `limit` brackets at once outside quotes (JSON and flow YAML); checked before parsing. */
export function checkTextDepth(text: string, limit = MAX_BODY_DEPTH): void {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = '';
    } else if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > limit) throw tooDeep(limit);
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
}

/** Throws 400 when a decoded value nests deeper than `limit` (block YAML); walks without recursion. */
export function checkDepth(v: unknown, limit = MAX_BODY_DEPTH): void {
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth > limit) throw tooDeep(limit);
    for (const child of Object.values(x)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}
