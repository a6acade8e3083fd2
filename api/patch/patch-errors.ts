// The errors of a strategic merge patch, worded as upstream's mergepatch errors and with the
// HTTP code upstream's API server gives each (interpretStrategicMergePatchError; the rest are 500).
import { StatusError, badRequest } from '../status.ts';

export type Json = null | boolean | number | string | Json[] | JsonMap;
export interface JsonMap {
  [key: string]: Json;
}

export const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns Go's reflect Kind name of a decoded JSON value, as upstream's messages print it. */
export function goKind(v: unknown): string {
  if (v === null || v === undefined) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** Returns a value as Go's %v prints a decoded JSON value (maps with sorted keys). */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object') {
    const m = v as Record<string, unknown>;
    return `map[${Object.keys(m).sort().map((k) => `${k}:${goFormat(m[k])}`).join(' ')}]`;
  }
  return String(v);
}

// 400 BadRequest in upstream's API server.
export const badPatchFormatForRetainKeys = () => badRequest('invalid patch format of retainKeys');
export const badJSONDoc = () => badRequest('invalid JSON document');

// 422 in upstream's API server.
export const noListOfLists = () => new StatusError(422, 'Invalid', 'lists of lists are not supported');

/** Thrown for the patches upstream's API server answers with a plain 500 (its errors not mapped to a Status). */
export const patchFailed = (message: string) => new StatusError(500, 'InternalError', message);

export const noMergeKey = (m: unknown, key: string) => patchFailed(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
export const badPatchType = (t: unknown, m: unknown) => patchFailed(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
export const badArgType = (expected: string, actual: unknown) => patchFailed(`expected a ${expected}, but received a ${goKind(actual)}`);
