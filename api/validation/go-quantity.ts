// How upstream's field errors print a resource.Quantity given as the bad value: a Quantity value is no
// fmt.Stringer (String has a pointer receiver), so ErrorBody prints it with %#v, its internal fields as
// ParseQuantity left them. Only ParseQuantity's int64 fast path is reproducible (the inf.Dec path prints
// a pointer); other inputs fall back to the quoted text.
import { GoRepr } from './field.ts';

const DEC: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const MAX_INT64 = (1n << 63n) - 1n;

const repr = (value: bigint, scale: number, s: string, format: string) =>
  new GoRepr(`resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(s)}, Format:${JSON.stringify(format)}}`);

/** Returns a quantity as a field error prints it (Go's %#v of the parsed Quantity), or its text when that cannot be told. */
export function goQuantity(raw: unknown): GoRepr | string {
  const str = String(raw);
  if (str === '0') return repr(0n, 0, '0', 'DecimalSI');
  const m = /^([+-]?)(\d*)(?:\.(\d*))?([a-zA-Z]*)([-+]?\d*)$/.exec(str);
  if (!m || (m[2] === '' && !m[3])) return str;
  const [, sign, num, denom = '', letters, expDigits] = m;
  let exponent: number;
  let format: string;
  let mantissa = 1n;
  let precision: number;
  if ((letters === 'e' || letters === 'E') && expDigits) [exponent, format] = [Number(expDigits), 'DecimalExponent'];
  else if (expDigits) return str;
  else if (letters in DEC) [exponent, format] = [DEC[letters], 'DecimalSI'];
  else if (letters in BIN) [exponent, format] = [BIN[letters], 'BinarySI'];
  else return str;
  let scale = format === 'BinarySI' ? 0 : exponent;
  if (format === 'BinarySI') {
    if (denom !== '') return str;
    mantissa = 1n << BigInt(exponent);
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else precision = 18 - (num.length + denom.length);
  scale -= denom.length;
  if (precision < 0 || scale < -9) return str;
  const shifted = num + denom;
  const value = BigInt(shifted) * mantissa;
  if (value > MAX_INT64) return str;
  const canonical = format === 'BinarySI' ? exponent % 10 === 0 && (BigInt(shifted) & 7n) !== 0n : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  return repr(sign === '-' ? -value : value, scale, canonical ? str : '', format);
}
