// Entry of the npm scripts (start, test, test:hosts, typecheck, bench) on a fresh clone: installs what is
// missing first (see ensure.mjs), then runs the real thing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureBundle, ensureContainerd, ensureDeps, ensureEtcd, ensureNatsServer, ensurePythonKubernetes, ROOT } from './ensure.mjs';
import { testEnv } from './test-env.mjs';

const [cmd, ...args] = process.argv.slice(2);
const node = process.execPath;

function runInherit(argv) {
  // Ctrl-C reaches the child through the terminal's process group; we wait for it to finish.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const r = spawnSync(node, argv, { cwd: ROOT, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

/**
 * Deletes compiled test modules (.cache/ts, see test-loader-hooks.mjs) no run has read for a week:
 * they are kept by content hash, so every edit leaves one behind. Once per test run, before ava, so
 * the workers never pay for it. Reads move atime (at most daily with relatime: plenty for a week);
 * on a noatime mount an entry still in use is merely compiled again.
 */
function pruneCompileCache(maxAgeMs = 7 * 24 * 3600_000) {
  const dir = join(ROOT, '.cache', 'ts');
  if (!existsSync(dir)) return;
  const before = Date.now() - maxAgeMs;
  for (const name of readdirSync(dir)) {
    try {
      const s = statSync(join(dir, name));
      if (Math.max(s.atimeMs, s.mtimeMs) < before) unlinkSync(join(dir, name));
    } catch {
      // another run pruned it first
    }
  }
}

/**
 * Builds the test files' bundles (when a source changed) and the CLI's; returns whether the test files
 * are bundled. Also `node scripts/run.mjs bundle`: .ci/run builds them once before npm test and
 * test:hosts start side by side (each would otherwise build them at the same time).
 */
async function bundleAll() {
  const { ensureTestBundles } = await import('./test-bundle.mjs');
  const t0 = performance.now();
  let bundled = true;
  try {
    if (await ensureTestBundles()) console.error(`# test files bundled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    // esbuild printed what it could not build; through the loader, only the files concerned fail.
    console.error(`# bundling the test files failed (${err.message.split('\n')[0]}); running them through the loader`);
    bundled = false;
  }
  // The CLI's bundle too (bin/kubus), once here rather than in each of the first tests that run kubus at once.
  try {
    await ensureBundle('cli/main.ts', 'kubus');
  } catch (err) {
    // A source the CLI imports does not build: the tests that run kubus fail (each says why), the others run.
    console.error(`# bundling the kubus CLI failed (${err.message.split('\n')[0]}); the tests that run it will fail`);
  }
  return bundled;
}

/**
 * Runs ava with TAP output on the test files' bundles (scripts/test-bundle.mjs; built first when a
 * source changed), passes it through, and ends with the plain `N passed, N failed`. A file argument
 * test/x.test.ts[:lines] names its bundle.
 */
async function test(files, avaArgs = []) {
  pruneCompileCache();
  const { bundleOf } = await import('./test-bundle.mjs');
  const bundled = await bundleAll();
  const toBundle = (f) => f.replace(/^(?:\.\/)?(test\/.*\.test)\.ts(?=$|:)/, (_, stem) => bundleOf(`${stem}.ts`));
  const args = bundled ? files.map(toBundle) : files;
  const ava = join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
  // KUBUS_FREEZE=1 among others: a handler that mutates a received message fails over NATS too.
  const env = testEnv(process.env, bundled);
  const child = spawn(node, [ava, '--tap', ...avaArgs, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    console.log(line);
    const m = /^(not ok|ok) \d+ - (.*)$/.exec(line);
    if (!m) continue;
    if (/# (SKIP|TODO)\b/i.test(m[2])) skipped++;
    else if (m[1] === 'ok') passed++;
    else failed++;
  }
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0 && failed === 0) {
    console.log(`# ava exited with code ${code} without a failing test; counting that as one failure`);
    failed = 1;
  }
  if (skipped) console.log(`# ${skipped} skipped or todo (not counted as passed)`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

switch (cmd) {
  case 'up':
    ensureDeps();
    if (!ensureNatsServer()) process.exit(1);
    runInherit([join(ROOT, 'bin', 'kubus'), 'up', ...args]);
    break;
  case 'test':
    ensureDeps();
    ensureNatsServer();
    ensurePythonKubernetes();
    ensureContainerd();
    ensureEtcd();
    // test/ava.config.mjs: package.json's ava settings, the longest files started first.
    await test(args, ['--config', join(ROOT, 'test', 'ava.config.mjs')]);
    break;
  case 'test:hosts':
    // The multi-host tests (network namespaces; need root): test/hosts/ava.config.mjs picks them.
    ensureDeps();
    ensureNatsServer();
    await test(args, ['--config', join(ROOT, 'test', 'hosts', 'ava.config.mjs')]);
    break;
  case 'bundle':
    ensureDeps();
    await bundleAll();
    break;
  case 'typecheck':
    ensureDeps();
    runInherit([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', ROOT]);
    break;
  case 'bench': {
    ensureDeps();
    const benches = readdirSync(join(ROOT, 'bench')).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', ''));
    const name = args[0];
    if (!name || !benches.includes(name)) {
      console.error(`usage: npm run bench -- <name> [options]; benchmarks: ${benches.join(', ')}`);
      process.exit(name ? 1 : 0);
    }
    if (!existsSync(join(ROOT, 'bench', `${name}.bench.ts`))) process.exit(1);
    runInherit(['--import', 'tsx', join(ROOT, 'bench', `${name}.bench.ts`), ...args.slice(1)]);
    break;
  }
  default:
    console.error('usage: node scripts/run.mjs up|test|test:hosts|typecheck|bench|bundle [args]');
    process.exit(2);
}
