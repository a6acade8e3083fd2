import test from 'ava';
import { invalid } from '../api/status.ts';
test('status - invalid names the field', (t) => {
  const e = invalid('Pod', 'X', [{ field: 'metadata.name', type: 'FieldValueInvalid', message: 'Invalid value: "X"' }]);
  t.is(e.code, 422);
  t.deepEqual(e.status.details?.causes?.[0]?.field, 'metadata.name');
});
