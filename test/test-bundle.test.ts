// npm test's bundles (scripts/test-bundle.mjs): names map both ways, ava's settings turn to the
// bundles only when scripts/run.mjs built them, and a bundled module keeps its own import.meta.
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { bundle, bundledConfig, bundleOf, OUT, sourceOf } from '../scripts/test-bundle.mjs';
import { ROOT } from './helpers/proc.ts';

test('test bundle - a test file and its bundle name each other', (t) => {
  t.is(bundleOf('test/hosts/x.test.ts'), 'build/tests/test/hosts/x.test.mjs');
  t.is(join(ROOT, bundleOf('test/x.test.ts')), join(OUT, 'test', 'x.test.mjs'));
  t.is(sourceOf(join(ROOT, bundleOf('test/x.test.ts'))), 'test/x.test.ts');
  t.is(sourceOf(join(ROOT, 'test', 'x.test.ts')), 'test/x.test.ts');
});

test('test bundle - ava runs the bundles, without the loader, only when they were built', (t) => {
  const before = process.env.KUBUS_TEST_BUNDLES;
  t.teardown(() => {
    if (before === undefined) delete process.env.KUBUS_TEST_BUNDLES;
    else process.env.KUBUS_TEST_BUNDLES = before;
  });
  const config = { files: ['test/**/*.test.ts', '!test/hosts/**'], require: ['./scripts/test-exit.ts'], nodeArguments: ['--import=./scripts/test-loader.mjs', '--x'] };
  delete process.env.KUBUS_TEST_BUNDLES;
  t.is(bundledConfig(config), config);
  process.env.KUBUS_TEST_BUNDLES = '1';
  t.deepEqual(bundledConfig(config), {
    files: ['build/tests/test/**/*.test.mjs', '!build/tests/test/hosts/**'],
    require: ['./build/tests/scripts/test-exit.mjs'],
    nodeArguments: ['--x'],
    extensions: ['mjs'],
  });
});

test('test bundle - a bundled module keeps its own import.meta; a string that names it is left alone', async (t) => {
  const entry = join(ROOT, 'test', 'fixtures', 'bundle-identity', 'entry.ts');
  const inner = join(dirname(entry), 'sub', 'inner.ts');
  const r = await bundle([entry], { splitting: false, sourcemap: false, metafile: false });
  const code = r.outputFiles[0].text;
  const { identity } = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as { identity: Record<string, unknown> };
  t.deepEqual(identity, {
    url: pathToFileURL(entry).href,
    dirname: dirname(entry),
    filename: entry,
    text: 'import.meta.url',
    inner: { url: pathToFileURL(inner).href, dirname: dirname(inner) },
  });
});
