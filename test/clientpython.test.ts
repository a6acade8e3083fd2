// Debian's python3-kubernetes (the official Python client) lists and watches pods through the gateway.
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startGateway, type GatewayEnv } from './helpers/gateway.ts';
import { pod } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'test', 'fixtures', 'python-pods.py');
/** Debian's Python (scripts/ensure.mjs DEBIAN_PYTHON): python3-kubernetes is installed for it. */
const PYTHON = '/usr/bin/python3';

/** Installs python3-kubernetes through the project's own scripts when missing; fails the test (never skips) when it cannot. */
function ensurePythonClient(): string | undefined {
  const ensure = pathToFileURL(join(ROOT, 'scripts', 'ensure.mjs')).href;
  const code = `import(${JSON.stringify(ensure)}).then((m) => process.exit(m.ensurePythonKubernetes() ? 0 : 1))`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? undefined : `python3-kubernetes is needed and could not be installed (run as root with apt-get, or: apt-get install -y python3-kubernetes): ${r.stderr.trim()}`;
}

/** Starts the script (in-process gateway: never spawnSync here); killed in teardown. */
function runScript(t: ExecutionContext, env: GatewayEnv, args: string[]) {
  const child = spawn(PYTHON, [SCRIPT, env.kubeconfig, 'default', ...args], { env: { PATH: process.env.PATH, HOME: env.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, out, exited };
}

test('python3-kubernetes: lists pods, then watches ADDED, MODIFIED and DELETED from the list', async (t) => {
  const missing = ensurePythonClient();
  if (missing) return t.fail(missing);
  const env = await startGateway(t);
  const { client } = env;
  await client.create('pods', pod('a'));
  await client.create('pods', pod('b'));
  const { child, out, exited } = runScript(t, env, ['3', '20']);
  await waitFor(() => out.stdout.includes('WATCHING\n') || child.exitCode !== null, 'the script to list', 20_000);
  t.regex(out.stdout, /^LIST \d+ a b\nWATCHING\n$/, out.stderr);
  await client.create('pods', pod('c'));
  await client.patch('pods', 'b', { spec: { containers: [{ name: 'c', image: 'nginx:1.28' }] } }, { namespace: 'default' });
  await client.delete('pods', 'a', { namespace: 'default' });
  t.is(await exited, 0, out.stderr);
  t.deepEqual(out.stdout.split('\n').slice(2), ['ADDED c nginx:1.27', 'MODIFIED b nginx:1.28', 'DELETED a nginx:1.27', 'END 3', '']);
});

test('python3-kubernetes: a watch with nothing to see ends at its timeoutSeconds', async (t) => {
  const missing = ensurePythonClient();
  if (missing) return t.fail(missing);
  const env = await startGateway(t);
  const { out, exited } = runScript(t, env, ['1', '1']);
  t.is(await exited, 0, out.stderr);
  t.regex(out.stdout, /^LIST \d+\s*\nWATCHING\nEND 0\n$/);
});
