// `kubus credentials --identity ID -o FILE`: the file is written 0600 and never overwritten.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKubus } from './helpers/proc.ts';

test('credentials output - -o writes the identity\'s credentials 0600 and refuses to overwrite', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-creds-out-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home };
  const file = join(home, 'n1.creds');
  const made = await runKubus(['credentials', '--identity', 'node/n1', '-o', file], { env });
  t.is(made.code, 0, made.stderr);
  t.is(made.stdout, '', 'nothing on stdout');
  t.is(statSync(file).mode & 0o777, 0o600);
  const creds = JSON.parse(readFileSync(file, 'utf8'));
  t.is(creds.identity, 'node/n1');
  t.is(creds.seed, JSON.parse(readFileSync(join(home, 'bus', 'node_n1.creds'), 'utf8')).seed);

  writeFileSync(join(home, 'other'), 'keep me');
  const refused = await runKubus(['credentials', '--identity', 'admin', '-o', join(home, 'other')], { env });
  t.not(refused.code, 0);
  t.regex(refused.stderr, /exists; kubus credentials never overwrites/);
  t.is(readFileSync(join(home, 'other'), 'utf8'), 'keep me');
});
