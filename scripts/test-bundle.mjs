// `npm test` runs each test file as an esbuild bundle (build/tests/test/x.test.mjs), not through the
// loader hook of scripts/test-loader.mjs: Node 20 calls loader hooks on another thread, a round trip
// for each of the ~500 modules a worker imports. test/helpers/cluster.ts: 1.77 s of CPU through the
// loader, 0.70 s as a bundle (3 runs each). One build for all test files, with the modules they share
// split into chunks (build/tests/chunks); rebuilt only when an input is newer than the last build or
// the set of test files changed. A single file run (`ava test/x.test.ts`) still uses the loader.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the bundles go: not a dot-directory (ava's globs skip those), git-ignored. */
export const OUT = join(ROOT, 'build', 'tests');
const MANIFEST = join(OUT, 'manifest.json');
const EXIT = 'scripts/test-exit.ts';

/** Returns the bundle of a test source path relative to ROOT (test/x.test.ts -> build/tests/test/x.test.mjs). */
export const bundleOf = (file) => join(relative(ROOT, OUT), file.replace(/\.ts$/, '.mjs'));
/** Returns the test source a bundle was built from, relative to ROOT (the inverse of bundleOf). */
export function sourceOf(file) {
  const rel = relative(ROOT, file);
  const prefix = relative(ROOT, OUT) + sep;
  return rel.startsWith(prefix) ? rel.slice(prefix.length).replace(/\.mjs$/, '.ts') : rel;
}

function testFiles(dir = 'test', files = []) {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory() && e.name !== 'node_modules') testFiles(p, files);
    else if (e.name.endsWith('.test.ts')) files.push(p);
  }
  return files;
}

/**
 * The modules' own identity survives bundling: import.meta.url, .dirname and .filename become the
 * original file's (fixtures next to it, createRequire, ROOT = join(import.meta.dirname, '..')), replaced
 * by esbuild's define in that file alone (not in strings or comments). Only files that mention
 * import.meta are compiled here; the output's inline source map is chained by the bundler.
 */
function moduleIdentity(compilerOptions) {
  return {
    name: 'module-identity',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mjs|js)$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta')) return undefined;
        const { transform } = await import('esbuild');
        const define = {
          'import.meta.url': JSON.stringify(pathToFileURL(args.path).href),
          'import.meta.dirname': JSON.stringify(dirname(args.path)),
          'import.meta.filename': JSON.stringify(args.path),
        };
        const ts = args.path.endsWith('.ts');
        const { code } = await transform(source, { loader: ts ? 'ts' : 'js', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: args.path, define, tsconfigRaw: { compilerOptions } });
        return { contents: code, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * Returns esbuild's result (nothing written) of bundling `entries` (paths under the root) as npm test
 * does: one build, shared modules split into chunks, npm packages left external; `options` adds to or
 * overrides those settings.
 */
export async function bundle(entries, options = {}) {
  const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  const { build } = await import('esbuild');
  return build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outbase: ROOT,
    outdir: OUT,
    bundle: true,
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Classes and functions keep their names, as with the loader (error names, machine ids).
    keepNames: true,
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    tsconfigRaw: { compilerOptions },
    plugins: [moduleIdentity(compilerOptions)],
    metafile: true,
    write: false,
    logLevel: 'error',
    ...options,
  });
}

function upToDate(entries, version) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  // The bundles hold this checkout's absolute paths (import.meta): a copy elsewhere builds its own.
  if (manifest.version !== version || manifest.root !== ROOT || manifest.entries.join('\n') !== entries.join('\n')) return false;
  for (const f of [...manifest.inputs, 'package.json', 'tsconfig.json']) {
    const s = statSync(join(ROOT, f), { throwIfNoEntry: false });
    if (!s || s.mtimeMs >= manifest.started) return false;
  }
  return true;
}

/** Builds the bundles of every test file (test/**\/*.test.ts) and of scripts/test-exit.ts unless up to date; returns whether it built. */
export async function ensureTestBundles() {
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8'));
  const entries = [...testFiles().sort(), EXIT];
  if (upToDate(entries, version)) return false;
  // An input saved while esbuild reads it is newer than `started`: the next run builds again.
  const started = Date.now();
  const r = await bundle(entries);
  // Write then rename (a run started meanwhile never reads half a file); chunks first, entries after.
  const isChunk = (p) => p.startsWith(join(OUT, 'chunks') + sep);
  const files = [...r.outputFiles].sort((a, b) => Number(isChunk(b.path)) - Number(isChunk(a.path)));
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  // The bundle of a deleted test file goes now (ava would run it); old chunks after a day (a run
  // started before this build may still import one).
  const current = new Set(files.map((f) => f.path));
  const prune = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) prune(p);
      // (A .tmp file is another build's, about to be renamed.)
      else if (!current.has(p) && p !== MANIFEST && !p.endsWith('.tmp')) {
        const old = (statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < Date.now() - 86_400_000;
        if (!isChunk(p) || old) rmSync(p, { force: true });
      }
    }
  };
  prune(OUT);
  const inputs = Object.keys(r.metafile.inputs).filter((f) => !f.includes(':'));
  writeFileSync(`${MANIFEST}.${process.pid}.tmp`, JSON.stringify({ version, root: ROOT, started, entries, inputs }));
  renameSync(`${MANIFEST}.${process.pid}.tmp`, MANIFEST);
  return true;
}

/**
 * Returns ava settings `config` (package.json's, with `files` of test sources) turned to the bundles
 * when `npm test` built them (scripts/run.mjs sets KUBUS_TEST_BUNDLES=1); otherwise `config` itself.
 */
export function bundledConfig(config) {
  if (process.env.KUBUS_TEST_BUNDLES !== '1') return config;
  const map = (p) => (p.startsWith('!') ? `!${bundleOf(p.slice(1))}` : bundleOf(p));
  return {
    ...config,
    extensions: ['mjs'],
    files: config.files.map(map),
    require: config.require.map((p) => `./${bundleOf(relative(ROOT, join(ROOT, p)))}`),
    nodeArguments: config.nodeArguments.filter((a) => !a.includes('test-loader')),
  };
}
