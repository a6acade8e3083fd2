// The one place where a get, list or watch answer takes the form the client's Accept asks for:
// plain JSON, a meta.k8s.io Table (kubectl get), or PartialObjectMetadata(List) (metadata informers).
import { negotiateOutput, notAcceptableMessage, parseIncludeObject, renderOutput, type NegotiatedOutput } from '../../api/table/index.ts';
import { inServedVersion } from '../../api/resources.ts';
import { StatusError } from '../../api/status.ts';
import type { Call } from './call.ts';
import { HttpStatusError } from './http.ts';

/** What one request asked for: the form, and what Table rows carry. */
export interface Output {
  form: Pick<NegotiatedOutput, 'as' | 'version'>;
  includeObject: 'None' | 'Metadata' | 'Object';
}

/** Returns the output the client asks for; throws 406 (no form it accepts is served) or 400 (bad includeObject) before any work is done. */
export function requestedOutput(call: Call): Output {
  const form = negotiateOutput(call.req.headers.accept, ['application/json']);
  if (!form) throw new HttpStatusError(406, 'NotAcceptable', notAcceptableMessage(['application/json']));
  const inc = parseIncludeObject(call.query.get('includeObject'));
  if (!inc.ok) throw new StatusError(400, 'BadRequest', inc.message);
  return { form, includeObject: inc.value };
}

/** Returns `body` in the requested form; a watch passes `noHeaders` for every event after the first (upstream sends the columns once). */
export function render(call: Call, out: Output, body: unknown, noHeaders = false): unknown {
  // A Table's cells read the stored version (its columns are the storage version's), so only objects are converted.
  const shown = out.form.as === 'Table' && call.target.def.conversion ? body : inServedVersion(call.target.def, body);
  const r = renderOutput(shown, call.target.def, out.form, { now: call.clock.now(), includeObject: out.includeObject, noHeaders });
  if (!r.ok) throw new HttpStatusError(r.code, r.reason, r.message);
  return r.body;
}

/** Returns an object or list in the form its request asked for. */
export const asRequested = (call: Call, body: unknown): unknown => render(call, requestedOutput(call), body);
