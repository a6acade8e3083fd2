// Table columns and server-side output forms: pure, shared by `kubus get` (cli/printers) and the HTTP gateway.
export { negotiateOutput, notAcceptableMessage, parseIncludeObject, SERVED_MEDIA_TYPES, type NegotiatedOutput, type OutputAs } from './accept.ts';
export { humanDuration, since, timeOf } from './age.ts';
export { columnsFor, columnsOf, DEFAULT_COLUMNS } from './columns.ts';
export { cellFor, customColumns, firstResult } from './columns-custom.ts';
export { renderOutput, type Rendered, type RenderOptions } from './output.ts';
export { podSummary, type PodSummary } from './pod-status.ts';
export { isList, listMetaOf, toPartialObjectMetadata, toPartialObjectMetadataList, toTable, type MetaVersion, type TableResource, type ToTableOptions } from './table.ts';
export type * from './types.ts';
