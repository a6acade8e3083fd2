// OpenAPI documents built from the kinds' schemas, and the unknown/duplicate field checks they imply.
export { openApiDocument, openApiGroupVersions } from './document.ts';
export { duplicateFields, unknownFields, unknownFieldsOfJsonPatch, type BodyKind } from './fields.ts';
export { encodeGnostic } from './gnostic.ts';
export { kindTypeName, namedType } from './names.ts';
export { swaggerDocument } from './swagger.ts';
