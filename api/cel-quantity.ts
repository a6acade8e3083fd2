// Upstream's CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go): the Quantity type over
// api/quantity.ts, its constructor and check, integer and float views, sign, arithmetic and comparison.
import type { Environment } from '@marcbachmann/cel-js';
import { addQuantities, compareQuantities, parseQuantity, quantityOf, tryParseQuantity, type Quantity } from './quantity.ts';

/** A quantity as CEL holds it (a class, so cel-js can tell its type). */
export class CelQuantity {
  constructor(readonly q: Quantity) {}
}

const NANO = 1_000_000_000n;
const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;

/** Returns the whole value when the quantity is an integer that fits int64 (as Go's Quantity.AsInt64). */
function asInt64(q: Quantity): bigint | undefined {
  if (q.nanos % NANO !== 0n) return undefined;
  const v = q.nanos / NANO;
  return v < MIN_INT64 || v > MAX_INT64 ? undefined : v;
}

const wrap = (q: Quantity) => new CelQuantity(q);
const intQuantity = (n: bigint) => quantityOf(n, 'DecimalExponent');

/** Registers the Quantity type and its functions, as upstream's Quantity() library. */
export function registerQuantityLibrary(e: Environment): void {
  e.registerType('Quantity', CelQuantity);
  e.registerFunction('quantity(string): Quantity', (s: string) => wrap(parseQuantity(s)));
  e.registerFunction('isQuantity(string): bool', (s: string) => tryParseQuantity(s) !== undefined);
  e.registerFunction('Quantity.isInteger(): bool', (x: CelQuantity) => asInt64(x.q) !== undefined);
  e.registerFunction('Quantity.asInteger(): int', (x: CelQuantity) => {
    const v = asInt64(x.q);
    if (v === undefined) throw new Error('cannot convert value to integer');
    return v;
  });
  e.registerFunction('Quantity.asApproximateFloat(): double', (x: CelQuantity) => Number(x.q.nanos) / 1e9);
  e.registerFunction('Quantity.sign(): int', (x: CelQuantity) => BigInt(compareQuantities(x.q, quantityOf(0))));
  e.registerFunction('Quantity.add(Quantity): Quantity', (x: CelQuantity, y: CelQuantity) => wrap(addQuantities(x.q, y.q)));
  e.registerFunction('Quantity.add(int): Quantity', (x: CelQuantity, n: bigint) => wrap(addQuantities(x.q, intQuantity(n))));
  e.registerFunction('Quantity.sub(Quantity): Quantity', (x: CelQuantity, y: CelQuantity) => wrap(addQuantities(x.q, { ...y.q, nanos: -y.q.nanos })));
  e.registerFunction('Quantity.sub(int): Quantity', (x: CelQuantity, n: bigint) => wrap(addQuantities(x.q, intQuantity(-n))));
  e.registerFunction('Quantity.compareTo(Quantity): int', (x: CelQuantity, y: CelQuantity) => BigInt(compareQuantities(x.q, y.q)));
  e.registerFunction('Quantity.isGreaterThan(Quantity): bool', (x: CelQuantity, y: CelQuantity) => compareQuantities(x.q, y.q) === 1);
  e.registerFunction('Quantity.isLessThan(Quantity): bool', (x: CelQuantity, y: CelQuantity) => compareQuantities(x.q, y.q) === -1);
  e.registerOperator('Quantity == Quantity', (x: CelQuantity, y: CelQuantity) => compareQuantities(x.q, y.q) === 0);
}
