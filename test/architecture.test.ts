// The rules of DESIGN §1 and STYLE.md, read off the import statements and sources.
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/proc.ts';

const LAYERS = ['api', 'bus', 'actors', 'runtime', 'scenarios', 'cli'] as const;

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
const text = new Map(sources.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

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

test('architecture - the files we check exist (the rules below are not vacuous)', (t) => {
  t.true(sources.length > 50, `${sources.length} sources`);
  for (const l of ['api', 'bus', 'actors', 'runtime', 'cli']) t.true(sources.some((f) => f.startsWith(`${l}/`)), l);
});

test('architecture - a layer imports only the layers below it', (t) => {
  const broken: string[] = [];
  for (const f of sources)
    for (const spec of imports(f)) {
      if (!spec.startsWith('.')) continue;
      const target = local(f, spec);
      if (layerOf(target) > layerOf(f)) broken.push(`${f} -> ${target}`);
    }
  t.deepEqual(broken, []);
});

test('architecture - api/ imports nothing of ours from outside api/', (t) => {
  const broken = sources
    .filter((f) => f.startsWith('api/'))
    .flatMap((f) => imports(f).filter((s) => s.startsWith('.') && !local(f, s).startsWith('api/')).map((s) => `${f} -> ${s}`));
  t.deepEqual(broken, []);
});

test("architecture - an actor never imports another actor's folder", (t) => {
  const broken: string[] = [];
  for (const f of sources.filter((x) => x.startsWith('actors/'))) {
    const own = f.split('/')[1];
    for (const spec of imports(f)) {
      if (!spec.startsWith('.')) continue;
      const target = local(f, spec);
      if (!target.startsWith('actors/')) continue;
      const other = target.split('/')[1];
      if (other !== own && other !== 'lib') broken.push(`${f} -> ${target}`);
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
  const broken = sources.filter((f) => f !== 'bus/subjects.ts' && /['"`](kubus\.|_INBOX\.)/.test(code(f)));
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

test('architecture - files stay small (about 300 lines at most)', (t) => {
  const big = sources.map((f) => [f, text.get(f)!.split('\n').length] as const).filter(([, n]) => n > 400);
  t.deepEqual(big, []);
});
