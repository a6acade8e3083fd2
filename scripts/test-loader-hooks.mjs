// The load hook of scripts/test-loader.mjs: a file: URL ending in .ts becomes the ES module esbuild
// compiles it to (inline source map, for --enable-source-maps); everything else goes on to Node.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
// esbuild itself is loaded only when a module is missing from the cache: every test worker has this
// hooks thread, and loading esbuild there cost ~70 ms of CPU (0.245 -> 0.175 s for a worker's loader,
// 6 interleaved pairs, load 13), for nothing when the cache holds everything.
const { version } = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8'));
// Entries nothing read for a week are deleted by scripts/run.mjs before each test run.
const CACHE = join(ROOT, '.cache', 'ts');
const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
// keepNames and minifyWhitespace as tsx sets them (functions and classes keep their names).
const OPTIONS = { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', keepNames: true, minifyWhitespace: true, tsconfigRaw: { compilerOptions } };
const SALT = `${version} ${JSON.stringify(OPTIONS)}`;
mkdirSync(CACHE, { recursive: true });

/** Returns the compiled module of `path`, from the cache when its source was compiled before. */
function compile(path) {
  const source = readFileSync(path, 'utf8');
  const file = join(CACHE, `${createHash('sha1').update(SALT).update(path).update(source).digest('hex')}.mjs`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    const { code } = require('esbuild').transformSync(source, { ...OPTIONS, sourcefile: path });
    // Write then rename: another worker may read the same entry meanwhile.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
    return code;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  return { format: 'module', source: compile(fileURLToPath(url)), shortCircuit: true };
}
