// The rules of DESIGN §1 and STYLE.md, read off the import statements and sources.
import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/proc.ts';

const LAYERS = ['api', 'bus', 'actors', 'runtime', 'scenarios', 'cli'] as const;
/** Folders outside the layers: they may import any layer and use devDependencies. */
const TOOLING = ['bench', 'test'] as const;

function files(dir: string): string[] {
  const abs = join(ROOT, dir);
  try {
    statSync(abs);
  } catch {
    return [];
  }
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

const sources = LAYERS.flatMap(files);
const tooling = TOOLING.flatMap(files);
const text = new Map([...sources, ...tooling].map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
const devDependencies = new Set(Object.keys(pkg.devDependencies ?? {}));

/** Returns the module specifiers a file imports or re-exports (static and dynamic). */
function imports(file: string): string[] {
  const src = text.get(file)!;
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of src.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** Returns the source without comments (so a comment may mention a subject or Date.now). */
const code = (f: string) => text.get(f)!.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[0] as (typeof LAYERS)[number]);
const local = (file: string, spec: string) => relative(ROOT, resolve(ROOT, dirname(file), spec));
/** Returns the package a bare specifier names: `@scope/name` or `name`, without a subpath. */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);

/** Returns `file -> target` for each relative import of `from` files whose target `broken` rejects. */
function crossings(from: string[], broken: (file: string, target: string) => boolean): string[] {
  const out: string[] = [];
  for (const f of from)
    for (const spec of imports(f)) {
      if (!spec.startsWith('.')) continue;
      const target = local(f, spec);
      if (broken(f, target)) out.push(`${f} -> ${target}`);
    }
  return out;
}

test('architecture - the files we check exist (the rules below are not vacuous)', (t) => {
  t.true(sources.length > 50, `${sources.length} sources`);
  for (const l of ['api', 'bus', 'actors', 'runtime', 'cli']) t.true(sources.some((f) => f.startsWith(`${l}/`)), l);
  t.true(controllers().length >= 5, `controllers: ${controllers().join(', ')}`);
  t.true(tooling.some((f) => f.startsWith('bench/')) && tooling.some((f) => f.startsWith('test/')));
});

test('architecture - a layer imports only the layers below it', (t) => {
  t.deepEqual(
    crossings(sources, (f, target) => layerOf(target) > layerOf(f)),
    [],
  );
});

test('architecture - api/ imports nothing of ours from outside api/', (t) => {
  t.deepEqual(
    crossings(
      sources.filter((f) => f.startsWith('api/')),
      (_, target) => !target.startsWith('api/'),
    ),
    [],
  );
});

test("architecture - an actor never imports another actor's folder (only actors/lib/ is shared)", (t) => {
  const actorOf = (f: string) => f.split('/')[1];
  const broken = crossings(
    sources.filter((f) => f.startsWith('actors/')),
    (f, target) => target.startsWith('actors/') && actorOf(target) !== actorOf(f) && actorOf(target) !== 'lib',
  );
  t.deepEqual(broken, []);
});

/** Returns the controllers: the folders of actors/controllers/ other than shared/. */
function controllers(): string[] {
  return [...new Set(sources.filter((f) => f.startsWith('actors/controllers/')).map((f) => f.split('/')[2]))].filter(
    (c) => c !== 'shared' && !c.endsWith('.ts'),
  );
}

test("architecture - a controller never imports another controller's folder (shared/ and actors/lib/ are common)", (t) => {
  // actors/controllers/<name>/... -> <name>; shared/ may import only itself (it must not lean on one controller).
  const folderOf = (f: string) => (f.startsWith('actors/controllers/') ? f.split('/')[2] : undefined);
  const broken = crossings(
    sources.filter((f) => f.startsWith('actors/controllers/')),
    (f, target) => {
      const other = folderOf(target);
      return other !== undefined && other !== folderOf(f) && other !== 'shared';
    },
  );
  t.deepEqual(broken, []);
});

test('architecture - every relative import names a file that exists', (t) => {
  const broken = crossings([...sources, ...tooling], (_, target) => !existsSync(join(ROOT, target)) || !statSync(join(ROOT, target)).isFile());
  t.deepEqual(broken, []);
});

test('architecture - every package import is a node: builtin or declared in package.json (devDependencies only in bench/ and test/)', (t) => {
  const broken: string[] = [];
  for (const f of [...sources, ...tooling]) {
    const dev = TOOLING.some((d) => f.startsWith(`${d}/`));
    for (const spec of imports(f)) {
      if (spec.startsWith('.') || isBuiltin(spec)) continue;
      const name = packageOf(spec);
      if (dependencies.has(name)) continue;
      if (dev && devDependencies.has(name)) continue;
      broken.push(`${f} imports ${spec}${devDependencies.has(name) ? ' (a devDependency)' : ' (not in package.json)'}`);
    }
  }
  t.deepEqual(broken, []);
});

test('architecture - NATS, msgpackr and pino each have one home', (t) => {
  const homes: Array<[RegExp, RegExp]> = [
    [/^@nats-io\/|^nats$/, /^bus\/nats-bus\.ts$/],
    [/^msgpackr$/, /^bus\/codec\.ts$/],
    [/^pino(-pretty)?$/, /^runtime\/logger\.ts$/],
  ];
  const broken: string[] = [];
  for (const f of sources)
    for (const spec of imports(f))
      for (const [pkg, home] of homes) if (pkg.test(spec) && !home.test(f)) broken.push(`${f} imports ${spec}`);
  t.deepEqual(broken, []);
});

test('architecture - subjects are spelled only in bus/subjects.ts', (t) => {
  const broken = sources.filter((f) => f !== 'bus/subjects.ts' && /['"`](kubus\.(?!io\/)|_INBOX\.)/.test(code(f)));
  t.deepEqual(broken, []);
});

test('architecture - machines are pure: no await, timers, wall clock, randomness or bus calls', (t) => {
  const machines = sources.filter((f) => f.endsWith('.machine.ts'));
  t.true(machines.length > 0);
  const broken = machines.filter((f) =>
    /\bawait\b|Date\.now|new Date\(|setTimeout|setInterval|Math\.random|\.publish\(|\.request\(|\.subscribe\(/.test(code(f)),
  );
  t.deepEqual(broken, []);
});

test('architecture - actors never read the wall clock or Math.random (time and randomness are injected)', (t) => {
  const broken = sources
    .filter((f) => f.startsWith('actors/') && !f.startsWith('actors/apiserver/store/'))
    .filter((f) => /Date\.now\(|new Date\(\)|Math\.random/.test(code(f)));
  t.deepEqual(broken, []);
});

// test/ is exempt: a test file is the specification of one area (`store.test.ts`), read case by
// case, and tables of cases grow with the area; the code under test is what must stay small.
const MAX_LINES = 300;

test(`architecture - every .ts file of the layers and bench/ has at most ${MAX_LINES} lines (STYLE rule 3; test/ exempt)`, (t) => {
  const big = [...sources, ...tooling.filter((f) => f.startsWith('bench/'))]
    .map((f) => [f, text.get(f)!.split('\n').length - (text.get(f)!.endsWith('\n') ? 1 : 0)] as const)
    .filter(([, n]) => n > MAX_LINES)
    .sort((a, b) => b[1] - a[1]);
  t.deepEqual(
    big.map(([f, n]) => `${f}: ${n} lines`),
    [],
    `${big.length} file(s) over ${MAX_LINES} lines: split them along a seam`,
  );
});
