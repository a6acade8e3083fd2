// Bindings: the body of pods/binding (assigns a pod to a node); never stored.
import { objectSchema } from '../meta.ts';
import { notSupported, required, type FieldError } from '../validation/field.ts';
import { ObjectReference, type Kube } from './common.ts';

export const BindingSchema = objectSchema({ target: ObjectReference });
export type Binding = Kube<{ target: ObjectReference }>;

/** Returns the field errors of a binding (upstream ValidatePodBinding): target kind Node (or empty), name required. */
export function validateBinding(b: Binding): FieldError[] {
  const errs: FieldError[] = [];
  const kind = b.target.kind ?? '';
  if (kind !== '' && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!b.target.name) errs.push(required('target.name'));
  return errs;
}
