// Equality of API values as they go over the wire (upstream apiequality.Semantic.DeepEqual for our
// purposes): a field set to undefined equals a missing one, so a freshly built object compares
// equal to the stored one it matches.
import { isDeepStrictEqual } from 'node:util';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v ?? null)) as unknown;

/** Returns whether `a` and `b` are equal once serialised (undefined fields dropped; undefined equals null). */
export const semanticEqual = (a: unknown, b: unknown): boolean => isDeepStrictEqual(plain(a), plain(b));
