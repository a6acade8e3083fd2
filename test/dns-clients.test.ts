// Real stub resolvers against the dns actor: busybox's nslookup, and glibc (getent) in a mount
// namespace of its own whose /etc/resolv.conf is a pod's (search path, ndots:5). The server listens
// on port 53 of a loopback address of this test's own (127.x.y.n), so root is needed, as in CI.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import type { Service } from '../api/kinds/service.ts';
import { dnsActor } from '../actors/dns/dns.actor.ts';
import { startApi } from './helpers/api.ts';
import { ask } from './helpers/dns.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);
/** Returns a loopback address no other test (of this file, by `n`, or of another, by pid) uses: all of 127/8 is loopback on Linux. */
const loopback = (n: number) => `127.${50 + ((process.pid >> 8) % 200)}.${process.pid % 256}.${n}`;

async function cluster(t: ExecutionContext, n: number) {
  const ADDR = loopback(n);
  const env = await startApi(t);
  const dns = env.process('dns').start(dnsActor, 'dns', { address: `${ADDR}:53`, upstreams: [] });
  await dns.waitFor((s) => s.matches?.('serving') || s.status === 'done');
  const ctx = dns.snapshot()?.context as { port?: number; error?: string };
  if (!ctx.port) throw new Error(`the DNS actor could not listen on ${ADDR}:53 (root is needed): ${ctx.error}`);
  const web = await env.client.create<Service>('services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  });
  await waitFor(async () => (await ask(53, 'web.default.svc.cluster.local', 'A', 'udp', {}, ADDR)).answers?.length, 'web resolvable');
  return { ip: web.spec.clusterIP!, ADDR };
}

test('dns clients - busybox nslookup resolves a Service, its SRV record and its PTR', async (t) => {
  const { ip, ADDR } = await cluster(t, 1);
  const a = await run('/bin/busybox', ['nslookup', 'web.default.svc.cluster.local', ADDR]);
  t.regex(a.stdout, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`));
  const srv = await run('/bin/busybox', ['nslookup', '-type=srv', '_http._tcp.web.default.svc.cluster.local', ADDR]);
  t.regex(srv.stdout, /0 100 80 web\.default\.svc\.cluster\.local/);
  const ptr = await run('/bin/busybox', ['nslookup', '-type=ptr', ip.split('.').reverse().join('.') + '.in-addr.arpa', ADDR]);
  t.regex(ptr.stdout, /web\.default\.svc\.cluster\.local/);
});

test("dns clients - glibc with a pod's resolv.conf finds a short Service name through the search path", async (t) => {
  const { ip, ADDR } = await cluster(t, 2);
  const dir = mkdtempSync(join(tmpdir(), 'kubus-dns-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'resolv.conf');
  writeFileSync(conf, `nameserver ${ADDR}\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`);
  // A private mount namespace: the bind mount is gone with the process, the host's file untouched.
  const lookup = (name: string) => run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', `mount --bind ${conf} /etc/resolv.conf && getent ahostsv4 ${name}`]);
  for (const name of ['web', 'web.default', 'web.default.svc', 'web.default.svc.cluster.local']) {
    const { stdout } = await lookup(name);
    t.true(stdout.startsWith(`${ip} `), `${name}: ${stdout}`);
  }
  await t.throwsAsync(lookup('nope'), undefined, 'a missing name fails');
});
