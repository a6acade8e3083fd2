// Strategic merge patch: the algorithm and upstream's per-field strategies it follows.
export { strategicMergePatch } from './strategic-merge.ts';
export { TYPES, fieldOf, openApiExtensions, typeNamed, type FieldStrategy, type PatchTypeDef } from './strategies.ts';
