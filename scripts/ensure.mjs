// Makes a fresh clone runnable: installs npm dependencies when missing, and nats-server (and, for
// the tests, python3-kubernetes) from the OS packages when we may (root with apt-get); otherwise
// says in one line how to install it.
// Plain JavaScript with no dependencies: it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NATS_HINT = 'nats-server is not installed; install it with: apt-get install -y nats-server';

/**
 * Runs `npm ci` when node_modules is missing or was installed from another package-lock.json. What it
 * was installed from is known by the lock's hash (kept in node_modules once seen up to date), else by
 * the lock being older than npm's record of the install: a checkout that only touched the lock (git
 * clone, checkout, a node_modules shared by a second clone) installs nothing again.
 */
export function ensureDeps() {
  const lock = join(ROOT, 'package-lock.json');
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const stamp = join(ROOT, 'node_modules', '.kubus-lock-sha256');
  const sha = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(installed)) {
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === sha) return;
    if (statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return void writeStamp(stamp, sha);
  }
  console.error('kubus: installing npm dependencies (npm ci) ...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error('kubus: `npm ci` failed; fix the error above and run it again in ' + ROOT);
    process.exit(1);
  }
  writeStamp(stamp, sha);
}

function writeStamp(path, sha) {
  try {
    writeFileSync(path, sha);
  } catch {
    // a read-only node_modules: the mtime check serves
  }
}

/** Returns the nats-server path, or undefined. */
export function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  for (const c of [process.env.NATS_SERVER, ...dirs.map((d) => join(d, 'nats-server'))]) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Installs nats-server with apt-get when missing and we are root; returns whether it is there. */
export function ensureNatsServer({ install = true } = {}) {
  if (findNatsServer()) return true;
  if (install) aptInstall(['nats-server']);
  if (findNatsServer()) return true;
  console.error(`kubus: ${NATS_HINT}`);
  return false;
}

/** Runs apt-get without questions, waiting up to 2 min for a dpkg lock (held at boot by unattended upgrades); returns its status and output. */
function aptGet(args) {
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', ...args], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

let listsUpdated = false;

/**
 * Installs Debian packages with apt-get when we are root and have apt-get (the caller checks the
 * result): all at once; when that fails, once more after `apt-get update`; then each alone, so one
 * unavailable package does not keep the others out. Prints apt's last lines for what failed.
 */
function aptInstall(pkgs) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!root || !apt || pkgs.length === 0) return;
  const install = (list) => aptGet(['install', '-y', '-q', ...list]);
  console.error(`kubus: installing ${pkgs.join(', ')} (apt-get install -y ${pkgs.join(' ')}) ...`);
  let r = install(pkgs);
  if (r.ok) return;
  if (!listsUpdated) {
    listsUpdated = true;
    const u = aptGet(['update', '-q']);
    if (!u.ok) console.error(`kubus: apt-get update failed:\n${tail(u.output)}`);
    r = install(pkgs);
    if (r.ok) return;
  }
  if (pkgs.length === 1) console.error(`kubus: apt-get install -y ${pkgs[0]} failed:\n${tail(r.output)}`);
  else for (const pkg of pkgs) aptInstall([pkg]);
}

/** The last lines of apt's output, indented: enough to see why without its whole log. */
const tail = (output) => output.trim().split('\n').slice(-4).map((l) => `    ${l}`).join('\n');

export const PYTHON_KUBERNETES_HINT = 'the Python Kubernetes client is not installed; install it with: apt-get install -y python3-kubernetes';

/** Debian's own Python, the one its python3-kubernetes installs into (a python3 earlier on PATH, e.g. pyenv's, does not see it). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Whether Debian's Python can import the official Kubernetes client (test/clientpython.test.ts needs it). */
const hasPythonKubernetes = () => spawnSync(DEBIAN_PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' }).status === 0;

/** Whether Debian's Python can import Prometheus's own client, whose parser the /metrics tests read expositions with. */
const hasPythonPrometheus = () => spawnSync(DEBIAN_PYTHON, ['-c', 'import prometheus_client'], { stdio: 'ignore' }).status === 0;

/** The Debian Python packages the tests use that are missing. */
const missingPython = () => [...(hasPythonKubernetes() ? [] : ['python3-kubernetes']), ...(hasPythonPrometheus() ? [] : ['python3-prometheus-client'])];

/** Installs Debian's python3-kubernetes (and python3-prometheus-client) when missing and we may; returns whether the Kubernetes client is there. */
export function ensurePythonKubernetes({ install = true } = {}) {
  const missing = missingPython();
  if (missing.length > 0 && install) aptInstall(missing);
  if (!hasPythonPrometheus()) console.error(`kubus: python3-prometheus-client is not installed (install: apt-get install -y python3-prometheus-client); ${WITHOUT['python3-prometheus-client']}`);
  if (hasPythonKubernetes()) return true;
  console.error(`kubus: ${PYTHON_KUBERNETES_HINT}`);
  return false;
}

/** What running real workloads needs (issue 11): Debian package → a file it installs. */
const CONTAINERD_PACKAGES = {
  containerd: '/usr/bin/containerd',
  runc: '/usr/sbin/runc',
  'containernetworking-plugins': '/usr/lib/cni/bridge',
  'busybox-static': '/bin/busybox',
  nftables: '/usr/sbin/nft',
  iproute2: '/usr/sbin/ip',
  // The bridge plugin's ipMasq and portmap's hostPort rules go through iptables.
  iptables: '/usr/sbin/iptables',
};

/** Debian packages of CONTAINERD_PACKAGES still missing. */
const missingContainerd = () => Object.entries(CONTAINERD_PACKAGES).filter(([, f]) => !existsSync(f)).map(([p]) => p);

/** Installs containerd, runc, the CNI plugins, busybox-static, nftables, iproute2 and iptables when missing and we may; returns whether all are there. */
export function ensureContainerd({ install = true } = {}) {
  if (missingContainerd().length === 0) return true;
  if (install) aptInstall(missingContainerd());
  const missing = missingContainerd();
  if (missing.length === 0) return true;
  console.error(`kubus: real workloads need ${missing.join(', ')}; install with: apt-get install -y ${missing.join(' ')}`);
  return false;
}

/** The etcd store backend's tests and bench run a real etcd (issue 13): Debian package → a file it installs. */
const ETCD_PACKAGES = { 'etcd-server': '/usr/bin/etcd', 'etcd-client': '/usr/bin/etcdctl' };

/** Debian packages of ETCD_PACKAGES still missing. */
const missingEtcd = () => Object.entries(ETCD_PACKAGES).filter(([, f]) => !existsSync(f)).map(([p]) => p);

/** Installs etcd-server and etcd-client when missing and we may; returns whether both are there. */
export function ensureEtcd({ install = true } = {}) {
  if (missingEtcd().length === 0) return true;
  if (install) aptInstall(missingEtcd());
  const still = missingEtcd();
  if (still.length === 0) return true;
  console.error(`kubus: the etcd store needs ${still.join(', ')}; install with: apt-get install -y ${still.join(' ')}`);
  return false;
}

/** The dashboard's tests drive Debian's Chromium (headless, through playwright-core; issue 16). */
export const CHROMIUM = '/usr/bin/chromium';

/** Installs chromium when missing and we may; returns whether it is there. */
export function ensureChromium({ install = true } = {}) {
  if (existsSync(CHROMIUM)) return true;
  if (install) aptInstall(['chromium']);
  if (existsSync(CHROMIUM)) return true;
  console.error('kubus: the dashboard tests need Chromium; install with: apt-get install -y chromium');
  return false;
}

/** What the tests do without each OS package, for the line ensureOsPackages prints when it stays missing. */
const WITHOUT = {
  'nats-server': 'the tests on a real NATS server skip or fail',
  'python3-kubernetes': 'test/clientpython.test.ts fails',
  'python3-prometheus-client': 'the /metrics tests (test/prom-*.test.ts) fail',
  'etcd-server': 'the etcd store tests skip',
  'etcd-client': 'the etcd store tests skip',
  chromium: 'the dashboard tests (test/dashboard*.test.ts) fail, saying how to install it',
  ...Object.fromEntries(Object.keys(CONTAINERD_PACKAGES).map((p) => [p, 'the real-workload (containerd) tests skip or fail'])),
};

/**
 * Installs every OS package the tests need (`node scripts/ensure.mjs os-packages`): .ci/run starts
 * it beside npm ci and the type-check, instead of the tests' ensure* calls installing (and maybe
 * updating the package lists) one group after another. Prints one line per package still missing
 * and returns whether none is. KUBUS_FAKE_MISSING="a b" adds packages to the missing list (to try
 * the failure paths on a machine that has everything; a name that is not a Debian package fails).
 */
export function ensureOsPackages() {
  const fake = (process.env.KUBUS_FAKE_MISSING ?? '').split(/\s+/).filter(Boolean);
  const missingNow = () => [
    ...(findNatsServer() ? [] : ['nats-server']),
    ...missingPython(),
    ...missingContainerd(),
    ...missingEtcd(),
    ...(existsSync(CHROMIUM) ? [] : ['chromium']),
  ];
  const isInstalled = (pkg) => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('ok installed');
  const missing = [...new Set([...missingNow(), ...fake])];
  if (missing.length === 0) return true;
  aptInstall(missing);
  const still = [...missingNow(), ...fake.filter((p) => !isInstalled(p))];
  for (const pkg of still) console.error(`kubus: ${pkg} is still missing (install: apt-get install -y ${pkg}); ${WITHOUT[pkg] ?? 'the tests that need it skip or fail'}`);
  return still.length === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'os-packages') process.exitCode = ensureOsPackages() ? 0 : 1;

const SOURCE_DIRS = ['api', 'bus', 'actors', 'runtime', 'scenarios', 'cli'];

function newestSource(dir, newest = 0) {
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = newestSource(p, newest);
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Returns the path of an ESM bundle of `entry` (our TypeScript compiled by esbuild, npm packages
 * left external), rebuilt only when a source is newer. Node 20 runs a bundle ~4x faster than
 * tsx's per-module loader hooks, which matters for a CLI.
 */
export async function ensureBundle(entry, name) {
  const out = join(ROOT, '.cache', `${name}.mjs`);
  const built = existsSync(out) ? statSync(out).mtimeMs : 0;
  const newest = Math.max(statSync(join(ROOT, 'package.json')).mtimeMs, ...SOURCE_DIRS.map((d) => newestSource(join(ROOT, d))));
  if (built >= newest) return out;
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    // Dynamic imports become chunks beside the entry (same folder, so import.meta.url paths hold), named by
    // content: a command loads only the chunks it imports (cli/main.ts loads the heavy commands lazily).
    splitting: true,
    outdir: dirname(out),
    entryNames: name,
    chunkNames: `${name}-chunk-[hash]`,
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'error',
  });
  mkdirSync(dirname(out), { recursive: true });
  // Write then rename, so two commands building at once never run a half-written file; the entry last,
  // so a newer entry never names a chunk not yet written.
  const entryLast = (f) => (f.path === out ? 1 : 0);
  for (const f of [...r.outputFiles].sort((a, b) => entryLast(a) - entryLast(b))) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  // Chunks of earlier builds: kept a day (a command started before this build may still import one).
  const current = new Set(r.outputFiles.map((f) => f.path));
  for (const e of readdirSync(dirname(out))) {
    const p = join(dirname(out), e);
    if (!e.startsWith(`${name}-chunk-`) || current.has(p)) continue;
    // Another build may have pruned it already.
    if ((statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < Date.now() - 86_400_000) rmSync(p, { force: true });
  }
  return out;
}
