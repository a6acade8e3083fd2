// Resource quantities: parsing, canonical form and errors as apimachinery/pkg/api/resource.
import test from 'ava';
import fc from 'fast-check';
import {
  canonicalQuantity,
  compareQuantities,
  cpuMillis,
  formatQuantity,
  milliQuantity,
  parseQuantity,
  tryParseQuantity,
  QUANTITY_FORMAT_ERROR,
  QUANTITY_SUFFIX_ERROR,
  quantityError,
  quantityValue,
} from '../api/quantity.ts';

test('api - quantity format error is upstream verbatim', (t) => {
  t.is(QUANTITY_FORMAT_ERROR, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
});

const number = test.macro({
  exec(t, input: string, milli: number, whole: number) {
    t.is(cpuMillis(input), milli);
    t.is(quantityValue(input), whole);
  },
  title: (_p, input) => `api - quantity ${input} as millis and units`,
});

test(number, '100m', 100, 1);
test(number, '0.5', 500, 1);
test(number, '2', 2000, 2);
test(number, '128Mi', 134217728000, 134217728);
test(number, '1Gi', 1073741824000, 1073741824);
test(number, '1e3', 1_000_000, 1000);
test(number, '1k', 1_000_000, 1000);
test(number, '500M', 500_000_000_000, 500_000_000);
test(number, '0.1m', 1, 1);
test(number, '1.5', 1500, 2);

const canonical = test.macro({
  exec(t, input: string, expected: string) {
    t.is(canonicalQuantity(input), expected);
  },
  title: (_p, input, expected) => `api - quantity ${input} canonicalizes to ${expected}`,
});

test(canonical, '1.5', '1500m');
test(canonical, '1.5Gi', '1536Mi');
test(canonical, '1000', '1k');
test(canonical, '1200', '1200');
test(canonical, '1000m', '1');
test(canonical, '1e3', '1e3');
test(canonical, '1500e-3', '1500e-3');
test(canonical, '1Ki', '1Ki');
test(canonical, '1536', '1536');
test(canonical, '0.5Ki', '512');
test(canonical, '1023Ki', '1023Ki');
test(canonical, '2048Ki', '2Mi');
test(canonical, '-100m', '-100m');
test(canonical, '0', '0');
test(canonical, '+5', '5');
test(canonical, '0.0000000001', '1n');
test(canonical, '1000000000000000000000', '1000E');

const bad = test.macro({
  exec(t, input: string, message: string) {
    t.is(quantityError(input), message);
    t.throws(() => parseQuantity(input), { message });
  },
  title: (_p, input) => `api - quantity ${JSON.stringify(input)} is rejected`,
});

test(bad, '', QUANTITY_FORMAT_ERROR);
test(bad, 'abc', QUANTITY_FORMAT_ERROR);
test(bad, '1.5.5', QUANTITY_FORMAT_ERROR);
test(bad, '1 ', QUANTITY_FORMAT_ERROR);
test(bad, '1e', QUANTITY_SUFFIX_ERROR);
test(bad, '1Mi5', QUANTITY_SUFFIX_ERROR);
test(bad, '5Ti2', QUANTITY_SUFFIX_ERROR);

test('api - quantities accept bare JSON numbers', (t) => {
  t.is(cpuMillis(0.25), 250);
  t.is(canonicalQuantity(2), '2');
  t.is(quantityError({}), QUANTITY_FORMAT_ERROR);
});

test('api - quantities compare exactly across suffixes', (t) => {
  t.is(compareQuantities(parseQuantity('1Gi'), parseQuantity('1024Mi')), 0);
  t.is(compareQuantities(parseQuantity('1G'), parseQuantity('1Gi')), -1);
  t.is(compareQuantities(parseQuantity('1001m'), parseQuantity('1')), 1);
  t.is(formatQuantity(milliQuantity(2500)), '2500m');
});

const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.constantFrom('n', 'u', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'));
const binary = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.constantFrom('Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'));
const exponent = fc.tuple(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), fc.integer({ min: -9, max: 30 }).map((e) => `e${e}`));

test('api - quantity parse ⇄ format round trip (property)', (t) => {
  fc.assert(
    fc.property(fc.oneof(decimal, binary, exponent), ([n, suffix]) => {
      const q = parseQuantity(`${n}${suffix}`);
      const printed = formatQuantity(q);
      const again = parseQuantity(printed);
      return again.nanos === q.nanos && formatQuantity(again) === printed;
    }),
  );
  t.pass();
});

test('api - parsing never throws anything but a QuantityError (property)', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.+-eEinumkKMGTP x') }), (s) => {
      try {
        parseQuantity(s);
      } catch (e) {
        return (e as Error).name === 'QuantityError';
      }
      return true;
    }),
  );
  t.pass();
});

test('api - tryParseQuantity: the quantity a string or number spells, undefined for anything else', (t) => {
  t.is(formatQuantity(tryParseQuantity('1.5Gi')!), '1536Mi');
  t.is(formatQuantity(tryParseQuantity(2)!), '2');
  for (const bad of ['1.5.5', 'ten', '', undefined, null, {}, true]) t.is(tryParseQuantity(bad), undefined, String(bad));
});
