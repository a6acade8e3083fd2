// Server-side apply: field sets (FieldsV1), merging an applied configuration, and managedFields.
export { FieldSet, fieldElement, keyElement, pathString, valueElement, type FieldPath, type FieldsV1, type PathElement } from './field-set.ts';
export { compare, fieldsOf, ownable, type Comparison } from './fields.ts';
export { mergeApplied, removeFields } from './merge.ts';
export {
  appliedPart,
  applyConflict,
  decodeOwners,
  encodeOwners,
  recordApply,
  recordUpdate,
  type Conflict,
  type ManagedFieldsEntry,
  type Owner,
  type Owners,
  type Writer,
} from './managed-fields.ts';
export { fieldManagerErrors } from './options.ts';
