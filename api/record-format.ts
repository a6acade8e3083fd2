// The file `kubus record` writes and `kubus replay` reads: JSON lines, one change of the cluster
// per line. Lines rather than YAML documents: each change is written whole as it happens, so a
// Ctrl-C or a crash leaves every complete line readable; an error names its line; the file reads
// as a stream and works with jq and grep.
import type { KubeObject } from './meta.ts';

/** The change types a recording holds (a watch's, without BOOKMARK and ERROR). */
export const RECORDED_TYPES = ['ADDED', 'MODIFIED', 'DELETED'] as const;
export type RecordedType = (typeof RECORDED_TYPES)[number];

/** One change: when it happened (ms from the start of the recording), its kind, the resource (plural) and the object as stored. */
export interface RecordedChange {
  offsetMs: number;
  type: RecordedType;
  resource: string;
  object: KubeObject;
}

/** Thrown for a malformed recording; the message names the line. */
export class RecordingFormatError extends Error {
  override name = 'RecordingFormatError';
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Returns one change as a line of the file (with its newline). */
export function formatChange(c: RecordedChange): string {
  return `${JSON.stringify({ offsetMs: c.offsetMs, type: c.type, resource: c.resource, object: c.object })}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns the change a line holds; throws RecordingFormatError naming `line` when it is not one. */
export function parseChange(text: string, line: number): RecordedChange {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new RecordingFormatError(line, `not a JSON object (${(err as Error).message})`);
  }
  if (!isObject(v)) throw new RecordingFormatError(line, 'not a JSON object');
  const { offsetMs, type, resource, object } = v;
  if (typeof offsetMs !== 'number' || !Number.isFinite(offsetMs) || offsetMs < 0) throw new RecordingFormatError(line, 'offsetMs must be a non-negative number');
  if (!RECORDED_TYPES.includes(type as RecordedType)) throw new RecordingFormatError(line, `type must be one of ${RECORDED_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  if (typeof resource !== 'string' || !resource) throw new RecordingFormatError(line, 'resource must be a resource name such as "pods"');
  if (!isObject(object) || !isObject(object.metadata) || typeof object.metadata.name !== 'string' || !object.metadata.name)
    throw new RecordingFormatError(line, 'object must be an object with metadata.name');
  return { offsetMs, type: type as RecordedType, resource, object: object as unknown as KubeObject };
}

/** Returns the changes of a whole file, in order; blank lines are skipped; offsets may not go back. */
export function parseRecording(text: string): RecordedChange[] {
  const out: RecordedChange[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const c = parseChange(lines[i], i + 1);
    const prev = out.at(-1);
    if (prev && c.offsetMs < prev.offsetMs) throw new RecordingFormatError(i + 1, `offsetMs ${c.offsetMs} is before the previous line's ${prev.offsetMs}`);
    out.push(c);
  }
  return out;
}
