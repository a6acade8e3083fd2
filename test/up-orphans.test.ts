// No orphaned nats-server: `kubus up` killed with SIGKILL (no exit handler runs) takes its nats-server
// along (the kernel's parent-death signal, runtime/nats-server.ts), and a test's teardown kills a
// started command's whole process group (test/helpers/proc.ts).
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroup, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

/** Returns the pids of `pid`'s children running `comm` (from /proc: pid (comm) state ppid ...). */
function childrenOf(pid: number, comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (m && m[1] === comm && Number(m[2]) === pid) out.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return out;
}

/** True while `pid` runs (a zombie nobody reaped yet counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const upInTemp = (t: Parameters<typeof startKubus>[0]) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-orphans-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  return startKubus(t, ['up', '--memory', '--port', '0', '--http-port', '0', '--nodes', '0', '--log-level', 'warn'], { KUBUS_HOME: home, HOME: home });
};

test('up orphans - kubus up killed with SIGKILL leaves no nats-server running', async (t) => {
  if (process.platform !== 'linux') return t.pass('the parent-death signal is Linux only');
  const up = upInTemp(t);
  await up.waitFor(/kubus is up/, 60_000);
  const [server] = childrenOf(up.child.pid!, 'nats-server');
  t.truthy(server, 'kubus up runs a nats-server child');
  up.child.kill('SIGKILL'); // the leader alone, as `kill -9 <pid>` would
  await up.exited;
  await waitFor(() => !running(server!), `nats-server ${server} to end after its kubus up was killed`, 10_000, 20);
  t.false(running(server!));
});

test('up orphans - killGroup ends a started command and everything it started', async (t) => {
  const up = upInTemp(t);
  await up.waitFor(/kubus is up/, 60_000);
  const [server] = childrenOf(up.child.pid!, 'nats-server');
  t.truthy(server, 'kubus up runs a nats-server child');
  killGroup(up.child);
  await up.exited;
  await waitFor(() => !running(server!), `nats-server ${server} to end with its group`, 10_000, 20);
  t.false(running(server!));
});
