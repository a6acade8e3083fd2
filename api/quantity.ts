// Kubernetes resource quantities (apimachinery/pkg/api/resource): parse, compare, canonical format.
// A quantity is held exactly as an integer count of nano-units (upstream rounds parsed values up to 1n).

/** Which suffix family a quantity was written in; it is kept when formatting, as upstream does. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: value = nanos × 10⁻⁹. */
export interface Quantity {
  nanos: bigint;
  format: QuantityFormat;
}

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
/** Upstream's ErrFormatWrong text. */
export const QUANTITY_FORMAT_ERROR = `quantities must match the regular expression '${SPLIT_RE}'`;
/** Upstream's ErrNumeric text. */
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
/** Upstream's ErrSuffix text. */
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

/** Thrown for a malformed quantity; the message is upstream's. */
export class QuantityError extends Error {
  override name = 'QuantityError';
}

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const MAX_INT64 = (1n << 63n) - 1n;
const NANO = 1_000_000_000n;

function interpret(suffix: string): { base: 10 | 2; exp: number; format: QuantityFormat } | undefined {
  if (suffix in DEC_SUFFIX) return { base: 10, exp: DEC_SUFFIX[suffix], format: 'DecimalSI' };
  if (suffix in BIN_SUFFIX) return { base: 2, exp: BIN_SUFFIX[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const exp = Number(suffix.slice(1));
    // Exponents beyond ±1000 would make the exact arithmetic explode; upstream has no practical use for them.
    if (Math.abs(exp) <= 1000) return { base: 10, exp, format: 'DecimalExponent' };
  }
  return undefined;
}

/** Parses a quantity (`100m`, `0.5`, `128Mi`, `1e3`); throws QuantityError with upstream's message. */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? numberToString(input) : input;
  if (str.length === 0) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(str)!;
  const [, sign, intPart, frac = '', suffix] = m;
  if (!/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const s = interpret(suffix);
  if (!s) throw new QuantityError(QUANTITY_SUFFIX_ERROR);
  // value = digits × 10^-frac.length × base^exp; convert to nanos, rounding away from zero.
  const digits = BigInt((intPart + frac).replace(/^0+(?=.)/, '') || '0');
  let num = digits;
  let den = 10n ** BigInt(frac.length);
  if (s.base === 2) num *= 1n << BigInt(s.exp);
  else if (s.exp >= 0) num *= 10n ** BigInt(s.exp);
  else den *= 10n ** BigInt(-s.exp);
  num *= NANO;
  let nanos = num / den;
  if (nanos * den !== num) nanos += 1n;
  let format = s.format;
  if (format === 'BinarySI') {
    if (nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
    if (nanos > 0n && nanos < NANO) format = 'DecimalSI';
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const s = String(n);
  return s.includes('e') ? n.toExponential().replace('e+', 'e') : s;
}

/** Returns the parse error message of a quantity, or undefined when it is valid. */
export function quantityError(input: unknown): string | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return QUANTITY_FORMAT_ERROR;
  try {
    parseQuantity(input);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Returns true when a string or number parses as a quantity. */
export const isQuantity = (input: unknown): boolean => quantityError(input) === undefined;

const ceilDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return q * b !== a && a > 0n ? q + 1n : q;
};

/** Returns the value in milli-units, rounded up (upstream MilliValue): cpu "100m" → 100. */
export const milliValue = (q: Quantity): number => Number(ceilDiv(q.nanos, 1_000_000n));

/** Returns the value in whole units, rounded up (upstream Value): memory "1Ki" → 1024. */
export const wholeValue = (q: Quantity): number => Number(ceilDiv(q.nanos, NANO));

/** Returns CPU millicores for a quantity string ("0.5" → 500). */
export const cpuMillis = (s: string | number): number => milliValue(parseQuantity(s));

/** Returns bytes (or a count) for a quantity string ("128Mi" → 134217728). */
export const quantityValue = (s: string | number): number => wholeValue(parseQuantity(s));

/** Returns -1, 0 or 1 comparing two quantities. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** Returns a quantity of `value` whole units in a given format. */
export const quantityOf = (value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity => ({
  nanos: BigInt(value) * NANO,
  format,
});

/** Returns a DecimalSI quantity of `milli` milli-units (e.g. CPU millicores). */
export const milliQuantity = (milli: number | bigint): Quantity => ({ nanos: BigInt(milli) * 1_000_000n, format: 'DecimalSI' });

/** Returns the quantity `input` spells, or undefined when it spells none (a value that never passed validation). */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** Returns the sum of two quantities, keeping the first one's format. */
export const addQuantities = (a: Quantity, b: Quantity): Quantity => ({ nanos: a.nanos + b.nanos, format: a.format });

const DEC_BY_EXP: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BIN_BY_EXP = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Returns the canonical string of a quantity (upstream String): "1.5" → "1500m", "1.5Gi" → "1536Mi", "1000" → "1k". */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const neg = q.nanos < 0n;
  const abs = neg ? -q.nanos : q.nanos;
  const sign = neg ? '-' : '';
  let format = q.format;
  if (format === 'BinarySI' && (abs < 1024n * NANO || abs % NANO !== 0n)) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let v = abs / NANO;
    let k = 0;
    while (k < 6 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${sign}${v}${BIN_BY_EXP[k]}`;
  }
  // Base-10: largest exponent (multiple of 3, from -9) that keeps the mantissa an integer.
  let mantissa = abs;
  let exp = -9;
  while (mantissa % 1000n === 0n && (format === 'DecimalExponent' || exp < 18)) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  return `${sign}${mantissa}${DEC_BY_EXP[exp]}`;
}

/** Returns the canonical form of a quantity string ("1000m" → "1"). */
export const canonicalQuantity = (s: string | number): string => formatQuantity(parseQuantity(s));

/** Returns a quantity rounded up to milli precision, as pods' resource lists are defaulted upstream. */
export const roundUpToMilli = (q: Quantity): Quantity => ({ nanos: ceilDiv(q.nanos, 1_000_000n) * 1_000_000n, format: q.format });
