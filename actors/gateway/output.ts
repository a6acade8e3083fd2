// The one place where a get, list or watch answer takes the form the client's Accept asks for.
import type { Call } from './call.ts';

/** Returns true when the client asks for server-side Table output (`as=Table` in Accept). */
export const wantsTable = (call: Call) => /;\s*as=Table/i.test(call.req.headers.accept ?? '');

/**
 * Returns the body to send for an object or list. TABLE HOOK: when api/table/ lands, convert here
 * if wantsTable(call) (Table with PartialObjectMetadata rows); until then plain JSON, which
 * kubectl accepts (it then prints NAME and AGE on its own).
 */
export function asRequested(_call: Call, body: unknown): unknown {
  return body;
}
