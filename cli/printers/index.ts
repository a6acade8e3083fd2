// The printers of `kubus get` and `kubus describe`: kubectl's output as pure functions.
export { describe, type DescribeContext } from './describe.ts';
export { humanDuration, since, rfc1123z } from './duration.ts';
export { formatOutput, listOf, nameOf, toJson, toYaml, watchPrinter, type OutputOptions, type WatchPrinter } from './output.ts';
export { podSummary, type PodSummary } from '../../api/table/pod-status.ts';
export { normalizeResource } from './resources.ts';
export { noResourcesMessage, renderTable, tableFor, type Table } from './table.ts';
export { TabWriter, tabify, type TabWriterOptions } from './tabwriter.ts';
export type { OutputFormat, TableOptions, WatchEventLike } from './types.ts';
